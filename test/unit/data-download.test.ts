// Downloads (checksum, cache, progress) against an in-process server on 127.0.0.1 and file://
// URLs — never the internet — plus tar unpacking and listDatasets on a generated cache.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMED_SETS, type RemoteFile } from '../../src/engine/data/catalog';
import { fetchVerified } from '../../src/engine/data/download';
import { listDatasets, loadDataset } from '../../src/engine/data/index';
import { readMaybeGzip } from '../../src/engine/data/read-file';
import { extractTar } from '../../src/engine/data/tar';
import { dataSchema } from '../../src/shared/config';
import { cifarBuffer, tmpDir, writeIdxSet, removeTmpDirs } from '../fixtures/data/make';

afterAll(removeTmpDirs);

const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
const sha = createHash('sha256').update(body).digest('hex');
let server: Server;
let base = '';
let requests = 0;
/** Extra files the server can hand out, by URL path. */
const served = new Map<string, Buffer>();

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    if (req.url === '/missing') {
      res.writeHead(404).end();
      return;
    }
    const payload = served.get(req.url ?? '') ?? body;
    res.writeHead(200, { 'content-length': payload.length });
    res.end(payload);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const remote = (path: string, sum = sha): RemoteFile => ({ file: 'blob.bin', url: `${base}${path}`, sha256: sum, bytes: body.length });

describe('fetchVerified', () => {
  it('downloads with progress, verifies, then serves the cache without a request', async () => {
    const dest = join(tmpDir(), 'sub', 'blob.bin');
    const progress: { done: number; total: number }[] = [];
    const before = requests;
    expect(await fetchVerified(remote('/blob'), dest, { onProgress: (p) => progress.push(p) })).toBe('downloaded');
    expect(requests).toBe(before + 1);
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toMatchObject({ done: body.length, total: body.length });
    for (let i = 1; i < progress.length; i++) expect(progress[i].done).toBeGreaterThanOrEqual(progress[i - 1].done);
    expect(await fetchVerified(remote('/blob'), dest)).toBe('cached');
    expect(requests).toBe(before + 1);
  });

  it('discards a download whose checksum does not match', async () => {
    const dest = join(tmpDir(), 'blob.bin');
    const bad = '0'.repeat(64);
    const err = await fetchVerified(remote('/blob', bad), dest).catch((e: Error) => e.message);
    expect(err).toContain(`checksum mismatch for ${base}/blob`);
    expect(err).toContain(`got SHA-256 ${sha}, expected ${bad}`);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('re-downloads a corrupted cached file and reports HTTP errors', async () => {
    const dest = join(tmpDir(), 'blob.bin');
    await fetchVerified(remote('/blob'), dest);
    writeFileSync(dest, 'garbage');
    const before = requests;
    expect(await fetchVerified(remote('/blob'), dest)).toBe('downloaded');
    expect(requests).toBe(before + 1);
    expect(readFileSync(dest).equals(body)).toBe(true);
    const err = await fetchVerified(remote('/missing'), join(tmpDir(), 'x.bin')).catch((e: Error) => e.message);
    expect(err).toContain('HTTP 404');
  });

  it('accepts file:// URLs and adopts an already matching file', async () => {
    const src = join(tmpDir(), 'src.bin');
    writeFileSync(src, body);
    const dest = join(tmpDir(), 'blob.bin');
    expect(await fetchVerified({ ...remote(''), url: pathToFileURL(src).href }, dest)).toBe('downloaded');
    const other = join(tmpDir(), 'blob.bin');
    writeFileSync(other, body);
    expect(await fetchVerified(remote('/never-requested'), other)).toBe('cached');
  });
});

describe('archives and the on-disk catalogue', () => {
  it('unpacks the CIFAR folder out of a tar.gz made by tar(1)', () => {
    const work = tmpDir();
    mkdirSync(join(work, 'cifar-10-batches-bin'));
    writeFileSync(join(work, 'cifar-10-batches-bin', 'test_batch.bin'), cifarBuffer([4, 2]));
    writeFileSync(join(work, 'cifar-10-batches-bin', 'readme.html'), 'x');
    const archive = join(work, 'c.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', work, 'cifar-10-batches-bin']);
    const out = tmpDir();
    const written = extractTar(readMaybeGzip(archive), archive, out, (n) => n.endsWith('.bin'));
    expect(written).toEqual([join(out, 'cifar-10-batches-bin', 'test_batch.bin')]);
    expect(readFileSync(written[0])).toEqual(cifarBuffer([4, 2]));
  });

  it('lists what the cache holds and what would be downloaded', async () => {
    const cache = tmpDir();
    writeIdxSet(join(cache, 'mnist'), { nTrain: 12, nTest: 4, gz: true });
    const saved = process.env.SAM_STUDIO_DATA;
    process.env.SAM_STUDIO_DATA = cache;
    try {
      const list = listDatasets();
      const mnist = list.find((d) => d.name === 'mnist')!;
      expect(mnist).toMatchObject({ onDisk: true, path: join(cache, 'mnist'), note: 'MNIST: 12 train / 4 test on disk' });
      const kmnist = list.find((d) => d.name === 'kmnist')!;
      expect(kmnist.onDisk).toBe(false);
      expect(kmnist.note).toBe(`KMNIST: not on disk: will download 21 MB to ${join(cache, 'kmnist')} on first use`);
      const fashion = list.find((d) => d.name === 'fashion-mnist')!;
      expect(fashion).toMatchObject({ onDisk: true, note: 'Fashion-MNIST: 60,000 train / 10,000 test on disk (Debian dataset-fashion-mnist)' });
      expect(list.map((d) => d.name)).toEqual(dataSchema.shape.name.options);
      // And the cache is where loadDataset looks when data.path is not given.
      const ds = await loadDataset(dataSchema.parse({ name: 'mnist' }), { seed: 0, download: false });
      expect(ds.train.n).toBe(12);
      expect(ds.source).toContain(join(cache, 'mnist'));
    } finally {
      if (saved === undefined) delete process.env.SAM_STUDIO_DATA;
      else process.env.SAM_STUDIO_DATA = saved;
    }
  });

  it('downloads, verifies, unpacks and loads CIFAR-10 end to end (catalogue pointed at 127.0.0.1)', async () => {
    const work = tmpDir();
    const bin = join(work, 'cifar-10-batches-bin');
    mkdirSync(bin);
    for (let k = 1; k <= 5; k++) writeFileSync(join(bin, `data_batch_${k}.bin`), cifarBuffer([k, k - 1]));
    writeFileSync(join(bin, 'test_batch.bin'), cifarBuffer([7, 8, 9]));
    execFileSync('tar', ['-czf', join(work, 'a.tgz'), '-C', work, 'cifar-10-batches-bin']);
    const archive = readFileSync(join(work, 'a.tgz'));
    served.set('/cifar.tgz', archive);
    const real = NAMED_SETS.cifar10.downloads;
    const cache = tmpDir();
    const saved = process.env.SAM_STUDIO_DATA;
    process.env.SAM_STUDIO_DATA = cache;
    NAMED_SETS.cifar10.downloads = [{ file: 'cifar-10-binary.tar.gz', url: `${base}/cifar.tgz`, sha256: createHash('sha256').update(archive).digest('hex'), bytes: archive.length }];
    try {
      const phases = new Set<string>();
      const before = requests;
      const ds = await loadDataset(dataSchema.parse({ name: 'cifar10' }), { seed: 0, download: true, onProgress: (p) => phases.add(p.phase) });
      expect(requests).toBe(before + 1);
      expect([ds.train.n, ds.test.n]).toEqual([10, 3]);
      expect(ds.inputShape).toEqual([32, 32, 3]);
      expect([...phases]).toEqual(expect.arrayContaining(['download', 'extract', 'load', 'prepare']));
      expect(readdirSync(join(cache, 'cifar10'))).toEqual(['cifar-10-batches-bin']);
      // Next time it is on disk: no request, and listDatasets says so.
      await loadDataset(dataSchema.parse({ name: 'cifar10', limit: 4 }), { seed: 0, download: true });
      expect(requests).toBe(before + 1);
      expect(listDatasets().find((d) => d.name === 'cifar10')!.note).toBe('CIFAR-10: 10 train / 3 test on disk');
    } finally {
      NAMED_SETS.cifar10.downloads = real;
      if (saved === undefined) delete process.env.SAM_STUDIO_DATA;
      else process.env.SAM_STUDIO_DATA = saved;
    }
  });
});
