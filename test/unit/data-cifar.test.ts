// CIFAR binary batches: planar RGB records become NHWC images; record sizes are checked.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCifar } from '../../src/engine/data/cifar';
import { loadDataset } from '../../src/engine/data/index';
import { dataSchema } from '../../src/shared/config';
import { cifarBuffer, pixel, tmpDir, removeTmpDirs } from '../fixtures/data/make';

afterAll(removeTmpDirs);

describe('CIFAR binary batches', () => {
  it('turns a 2-record CIFAR-10 file into NHWC images with their labels', () => {
    const b = parseCifar(cifarBuffer([3, 9]), 'x.bin', 'cifar10');
    expect(b.n).toBe(2);
    expect(Array.from(b.y)).toEqual([3, 9]);
    expect(b.coarse).toBeNull();
    expect(b.x.length).toBe(2 * 32 * 32 * 3);
    // Record i's plane c at pixel p = (h, w) must land at NHWC offset ((i·32 + h)·32 + w)·3 + c.
    for (const i of [0, 1])
      for (const [h, w] of [[0, 0], [5, 17], [31, 31]])
        for (let c = 0; c < 3; c++) expect(b.x[((i * 32 + h) * 32 + w) * 3 + c]).toBe(pixel(i, c * 1024 + h * 32 + w));
  });

  it('reads CIFAR-100 coarse and fine labels', () => {
    const b = parseCifar(cifarBuffer([57, 99], [4, 19]), 'train.bin', 'cifar100');
    expect(Array.from(b.y)).toEqual([57, 99]);
    expect(Array.from(b.coarse!)).toEqual([4, 19]);
    expect(b.x[0 * 3 + 2]).toBe(pixel(0, 2048));
  });

  it('names the file when its length is not a whole number of records', () => {
    const buf = cifarBuffer([1, 2]).subarray(0, 3073 + 100);
    expect(() => parseCifar(buf, '/data/data_batch_3.bin', 'cifar10')).toThrow(/\/data\/data_batch_3\.bin: 3,173 bytes is not a whole number of 3,073-byte CIFAR-10 records/);
    // A CIFAR-100 file read as CIFAR-10 is caught the same way (3,074-byte records).
    expect(() => parseCifar(cifarBuffer([1, 2], [0, 0]), 'train.bin', 'cifar10')).toThrow(/train\.bin: .*not a whole number/);
  });

  it('loads a CIFAR-10 folder laid out as the archive unpacks', async () => {
    const root = tmpDir();
    const dir = join(root, 'cifar-10-batches-bin');
    mkdirSync(dir);
    for (let k = 1; k <= 5; k++) writeFileSync(join(dir, `data_batch_${k}.bin`), cifarBuffer([k, (k + 5) % 10]));
    writeFileSync(join(dir, 'test_batch.bin'), cifarBuffer([0, 1]));
    writeFileSync(join(dir, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n');
    const ds = await loadDataset(dataSchema.parse({ name: 'cifar10', path: root }), { seed: 3, download: false });
    expect(ds.inputShape).toEqual([32, 32, 3]);
    expect(ds.train.n).toBe(10);
    expect(ds.test.n).toBe(2);
    expect(ds.classNames[3]).toBe('cat');
    expect(ds.normalization!.mean).toHaveLength(3);
    expect(Array.from(ds.train.y).sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 0].sort());
  });

  it('says where CIFAR-100 files go when they are missing', async () => {
    const dir = tmpDir();
    const err = await loadDataset(dataSchema.parse({ name: 'cifar100', path: dir }), { seed: 0, download: false }).catch((e: Error) => e);
    expect((err as Error).message).toContain(`CIFAR-100 not found in ${dir}`);
    expect((err as Error).message).toContain('train.bin');
    expect((err as Error).message).toContain('cifar-100-binary');
  });
});
