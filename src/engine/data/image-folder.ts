// Image folders: `path/<class>/*.png`, one sub-folder per class (sorted names → class indices).
// If `path` holds `train/` and `test/` folders laid out that way, they are the two splits;
// otherwise the pipeline holds out a test fraction. PNG (png.ts, pngjs) and JPEG (jpeg.ts, jpeg-js)
// are decoded by libraries behind a size bound; other files are skipped, undecodable or oversized
// ones named in the error. Every image is brought to the size of the first one
// (bilinear) and to RGB if any image is in colour.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { DataError, fileError } from './errors';
import { decodeJpeg, isJpeg } from './jpeg';
import { decodePng, isPng, type DecodedImage } from './png';
import type { RawDataset, RawSplit } from './raw';
import { greyToRgb, resizeBilinear } from './resize';

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

function subfolders(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && isDir(join(dir, n)))
    .sort();
}

interface Labelled {
  file: string;
  label: string;
  img: DecodedImage;
}

const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/** Decode by content, not by extension (a .jpg that is really a PNG still loads). */
function decodeImage(buf: Buffer, file: string): DecodedImage {
  if (isPng(buf)) return decodePng(buf, file);
  if (isJpeg(buf)) return decodeJpeg(buf, file);
  throw fileError(file, 'is neither a PNG nor a JPEG file (by its first bytes)');
}

function readClassFolders(dir: string): Labelled[] {
  const classes = subfolders(dir);
  if (classes.length === 0) throw new DataError(`${dir}: no class folders found; expected one sub-folder per class holding its PNG or JPEG images (e.g. ${join(dir, 'cat', '001.png')})`, dir);
  const out: Labelled[] = [];
  for (const label of classes) {
    const folder = join(dir, label);
    let count = 0;
    for (const name of readdirSync(folder).sort()) {
      if (name.startsWith('.')) continue;
      const file = join(folder, name);
      const ext = extname(name).toLowerCase();
      if (!IMAGE_EXTENSIONS.includes(ext)) continue;
      out.push({ file, label, img: decodeImage(readFileSync(file), file) });
      count++;
    }
    if (count === 0) throw new DataError(`${folder}: class folder "${label}" has no PNG or JPEG images`, folder);
  }
  return out;
}

function pack(items: Labelled[], classIndex: Map<string, number>, w: number, h: number, c: 1 | 3): { split: RawSplit; resized: number } {
  const size = w * h * c;
  const x = new Uint8Array(items.length * size);
  const y = new Int32Array(items.length);
  let resized = 0;
  items.forEach((it, i) => {
    let data = it.img.data;
    if (c === 3 && it.img.channels === 1) data = greyToRgb(data);
    if (it.img.width !== w || it.img.height !== h) {
      data = resizeBilinear(data, it.img.width, it.img.height, c, w, h);
      resized++;
    }
    x.set(data, i * size);
    const label = classIndex.get(it.label);
    if (label === undefined) throw fileError(it.file, `class "${it.label}" has no folder in the training set`);
    y[i] = label;
  });
  return { split: { x, y, n: items.length }, resized };
}

export function loadImageFolder(path: string): RawDataset {
  if (!isDir(path)) throw new DataError(`${path}: not a folder; data.path must be a folder with one sub-folder per class`, path);
  const top = subfolders(path);
  const splitLayout = top.includes('train') && top.includes('test') && subfolders(join(path, 'train')).length > 0;
  const trainItems = readClassFolders(splitLayout ? join(path, 'train') : path);
  const testItems = splitLayout ? readClassFolders(join(path, 'test')) : null;
  const classNames = [...new Set(trainItems.map((t) => t.label))].sort();
  if (classNames.length < 2) throw new DataError(`${path}: only one class folder ("${classNames[0]}"); a classifier needs at least 2`, path);
  const classIndex = new Map(classNames.map((c, i) => [c, i]));
  const first = trainItems[0].img;
  const all = testItems ? trainItems.concat(testItems) : trainItems;
  const channels: 1 | 3 = all.some((t) => t.img.channels === 3) ? 3 : 1;
  const train = pack(trainItems, classIndex, first.width, first.height, channels);
  const test = testItems ? pack(testItems, classIndex, first.width, first.height, channels) : null;
  const resized = train.resized + (test?.resized ?? 0);
  return {
    name: 'images',
    kind: 'image',
    inputShape: [first.height, first.width, channels],
    numClasses: classNames.length,
    classNames,
    train: train.split,
    test: test?.split ?? null,
    source: `image folder ${path}: ${all.length} images, ${classNames.length} classes, ${first.width}×${first.height}×${channels}${resized ? ` (${resized} resized to ${first.width}×${first.height})` : ''}`,
  };
}
