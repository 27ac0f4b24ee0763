// CSV tables: numeric features + a label column, header detection, string labels, test files.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/engine/data/index';
import { dataSchema } from '../../src/shared/config';
import { tmpDir, removeTmpDirs } from '../fixtures/data/make';

afterAll(removeTmpDirs);

const load = (c: Record<string, unknown>, seed = 0) => loadDataset(dataSchema.parse({ name: 'csv', ...c }), { seed, download: false });
const fail = (c: Record<string, unknown>) => load(c).then(() => { throw new Error('expected a failure'); }, (e: Error) => e.message);

function writeCsv(text: string, name = 'data.csv'): string {
  const p = join(tmpDir('sam-csv-'), name);
  writeFileSync(p, text);
  return p;
}

/** 40 rows: x0 = i, x1 = 2i, label "a"/"b"/"c" by i % 3. */
function irisLike(header = true): string {
  const rows = Array.from({ length: 40 }, (_, i) => `${i},${2 * i},${'abc'[i % 3]}`);
  return (header ? 'width,height,species\n' : '') + rows.join('\n') + '\n';
}

describe('CSV loader', () => {
  it('reads a headed file with string labels and holds out 20 % as test', async () => {
    const path = writeCsv(irisLike());
    const ds = await load({ path });
    expect(ds.inputShape).toEqual([2]);
    expect(ds.classNames).toEqual(['a', 'b', 'c']);
    expect(ds.numClasses).toBe(3);
    expect(ds.test.n).toBe(8);
    expect(ds.train.n).toBe(32);
    // Per-column standardisation from the training rows.
    expect(ds.normalization!.mean).toHaveLength(2);
    let m0 = 0;
    for (let i = 0; i < ds.train.n; i++) m0 += ds.train.x[2 * i];
    expect(m0 / ds.train.n).toBeCloseTo(0, 5);
    // x1 = 2·x0 in the file, so after standardising each column the two features are equal.
    for (let i = 0; i < ds.train.n; i++) expect(ds.train.x[2 * i + 1]).toBeCloseTo(ds.train.x[2 * i], 4);
  });

  it('uses data.testSplit, data.labelColumn by name or index, and a header-less file', async () => {
    const path = writeCsv(irisLike());
    expect((await load({ path, testSplit: 0.5 })).test.n).toBe(20);
    const labelFirst = writeCsv('species,width,height\n' + Array.from({ length: 10 }, (_, i) => `${'xy'[i % 2]},${i},${i * i}`).join('\n'));
    const byName = await load({ path: labelFirst, labelColumn: 'species' });
    expect(byName.classNames).toEqual(['x', 'y']);
    expect(byName.inputShape).toEqual([2]);
    const noHeader = writeCsv(irisLike(false));
    const ds = await load({ path: noHeader });
    expect(ds.train.n + ds.test.n).toBe(40);
    const byIndex = await load({ path: noHeader, labelColumn: 2 });
    expect(byIndex.classNames).toEqual(['a', 'b', 'c']);
  });

  it('maps numeric labels in numeric order and picks up a test file beside train.csv', async () => {
    const dir = tmpDir('sam-csv-');
    writeFileSync(join(dir, 'train.csv'), 'f1;f2;label\n1;2;10\n3;4;2\n5;6;10\n7;8;2\n"9";10;2\n');
    writeFileSync(join(dir, 'test.csv'), 'f1;f2;label\n0;0;10\n1;1;2\n');
    const ds = await load({ path: join(dir, 'train.csv') });
    expect(ds.classNames).toEqual(['2', '10']);
    expect(ds.train.n).toBe(5);
    expect(ds.test.n).toBe(2);
    expect(Array.from(ds.test.y)).toEqual([1, 0]);
    expect(ds.source).toContain('test.csv');
  });

  it('names the file, line and column of a non-numeric value', async () => {
    const path = writeCsv('a,b,label\n1,2,x\n3,oops,y\n');
    const msg = await fail({ path });
    expect(msg).toContain(path);
    expect(msg).toContain('line 3, column 2 ("b"): "oops" is not a number');
  });

  it('reports ragged rows, unknown label columns, single-class files and unseen test labels', async () => {
    expect(await fail({ path: writeCsv('a,b,label\n1,2,x\n3,4\n') })).toMatch(/line 3 has 2 columns, expected 3/);
    expect(await fail({ path: writeCsv(irisLike()), labelColumn: 'colour' })).toContain('no column named "colour" (data.labelColumn); the header has: width, height, species');
    expect(await fail({ path: writeCsv(irisLike()), labelColumn: 7 })).toContain('data.labelColumn = 7 but the file has 3 columns');
    expect(await fail({ path: writeCsv('1,2,x\n3,4,x\n') })).toContain('a classifier needs at least 2 classes');
    const dir = tmpDir('sam-csv-');
    writeFileSync(join(dir, 'iris.csv'), '1,2,x\n3,4,y\n');
    writeFileSync(join(dir, 'iris_test.csv'), '1,2,z\n');
    expect(await fail({ path: join(dir, 'iris.csv') })).toContain(`${join(dir, 'iris_test.csv')}: label "z" does not occur in the training file`);
  });
});
