// What the PNG and JPEG decoders hand to the image-folder loader, and the bound both check before
// a decoder allocates anything: an image header is untrusted input, and one that claims
// 100,000 × 100,000 pixels would otherwise ask for 40 GB.
import { fileError } from './errors';

export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** height × width × channels bytes, row-major (HWC). */
  data: Uint8Array;
}

/**
 * The largest image accepted: 50 megapixels (a 45 MP camera frame fits). Every image of a data
 * set is held decoded and resized to the first one's size, so training inputs are far smaller;
 * the bound keeps one hostile header from taking the trainer's memory (≤ 200 MB as RGBA).
 */
export const MAX_IMAGE_PIXELS = 50_000_000;

/** Refuse an empty or oversized image by its header, naming the file, before any allocation. */
export function checkImageSize(width: number, height: number, file: string, format: string): void {
  if (!(width > 0 && height > 0)) throw fileError(file, `corrupt ${format}: the header gives a size of ${width}×${height} pixels`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw fileError(
      file,
      `${format} is ${width}×${height} pixels (${((width * height) / 1e6).toFixed(0)} megapixels); images above ${MAX_IMAGE_PIXELS / 1e6} megapixels are refused — resize it first`,
    );
  }
}

/**
 * 8-bit pixels with `from` channels per pixel (3 RGB or 4 RGBA) → 1 channel when `grey`, else
 * 3; alpha is dropped (the loaders train on colour only).
 */
export function toGreyOrRgb(src: Uint8Array, width: number, height: number, from: 3 | 4, grey: boolean): DecodedImage {
  const n = width * height;
  const channels: 1 | 3 = grey ? 1 : 3;
  const data = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) {
    if (grey) data[i] = src[i * from];
    else {
      data[i * 3] = src[i * from];
      data[i * 3 + 1] = src[i * from + 1];
      data[i * 3 + 2] = src[i * from + 2];
    }
  }
  return { width, height, channels, data };
}
