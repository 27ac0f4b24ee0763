// The validation every door (Electron IPC, WebSocket) runs before a request reaches a service.
import { describe, expect, it } from 'vitest';
import { validateApiRequest, ApiValidationError } from '../../src/shared/api';
import { API_METHOD_NAMES } from '../../src/shared/api-methods';
import { apiRequestSchemas } from '../../src/shared/api';
import { createApiClient } from '../../src/shared/api-client';
import { dispatchApiCall, type ApiHandlers } from '../../src/shared/dispatch';
import { fromWireError } from '../../src/shared/wire';

const goodConfig = { epochs: 1, batchSize: 64, data: { name: 'synthetic-moons' }, model: { kind: 'mlp', hidden: [8] }, optimizer: { kind: 'sgd', lr: 0.1 } };

/** Records what reached the service, so the test sees exactly what validation let through. */
function recordingHandlers(calls: { method: string; args: unknown[] }[]): ApiHandlers {
  return new Proxy({} as ApiHandlers, {
    get: (_t, method: string) => async (...args: unknown[]) => {
      calls.push({ method, args });
      return { method };
    },
  });
}

describe('API request validation', () => {
  it('the method list and the schema map agree', () => {
    expect(Object.keys(apiRequestSchemas).sort()).toEqual([...API_METHOD_NAMES].sort());
  });

  it('passes a valid createRun through with defaults filled in', async () => {
    const calls: { method: string; args: unknown[] }[] = [];
    const reply = await dispatchApiCall(recordingHandlers(calls), 7, 'createRun', [goodConfig]);
    expect(reply).toEqual({ id: 7, ok: true, result: { method: 'createRun' } });
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0]).toMatchObject({ seed: 0, sam: null, backend: 'auto' });
  });

  it('refuses a bad config with field-named issues, and the service is never called', async () => {
    const calls: { method: string; args: unknown[] }[] = [];
    const reply = await dispatchApiCall(recordingHandlers(calls), 1, 'createRun', [{ ...goodConfig, sam: { rho: -1, m: 5 } }]);
    expect(calls).toHaveLength(0);
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.name).toBe('ApiValidationError');
    const fields = reply.error.issues?.map((i) => i.field).sort();
    expect(fields).toEqual(['sam.m', 'sam.rho']);
  });

  it('refuses unknown methods and wrong argument types', async () => {
    const calls: { method: string; args: unknown[] }[] = [];
    const unknown = await dispatchApiCall(recordingHandlers(calls), 2, 'dropDatabase', []);
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error.message).toContain('unknown method');
    const badId = await dispatchApiCall(recordingHandlers(calls), 3, 'getRun', ['1; drop table runs']);
    expect(badId.ok).toBe(false);
    expect(calls).toHaveLength(0);
    expect(() => validateApiRequest('getRun', [-4])).toThrow(ApiValidationError);
  });

  it('a client built on dispatch round-trips calls and rebuilds errors with their issues', async () => {
    const calls: { method: string; args: unknown[] }[] = [];
    const handlers = recordingHandlers(calls);
    let id = 0;
    const api = createApiClient(
      async (method, args) => {
        const reply = await dispatchApiCall(handlers, ++id, method, JSON.parse(JSON.stringify(args)));
        if (!reply.ok) throw fromWireError(reply.error);
        return reply.result;
      },
      () => () => {},
    );
    await expect(api.getRun(3)).resolves.toEqual({ method: 'getRun' });
    const err = await api.createRun({ ...goodConfig, epochs: 0 }).catch((e: unknown) => e as Error & { issues?: unknown[] });
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('epochs');
    expect((err as { issues: unknown[] }).issues).toEqual([{ field: 'epochs', message: expect.stringContaining('epochs must be at least 1') }]);
  });
});
