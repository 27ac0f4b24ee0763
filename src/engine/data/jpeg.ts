// JPEG decoding with jpeg-js (baseline and progressive DCT, Huffman coded, 8-bit; any sampling
// factors, restart markers; greyscale, YCbCr and Adobe RGB/CMYK/YCCK), bounded by
// MAX_IMAGE_PIXELS: jpeg-js refuses a frame header above the bound before allocating for it.
// Subsampled chroma is upsampled by replication (libjpeg's `-nosmooth`), so pixels at sharp
// colour edges differ from a browser's (triangular) decode; luma does not. Images come out as
// 1 channel when every decoded pixel is grey (a greyscale JPEG decodes to R = G = B exactly)
// and as 3 (RGB) otherwise.
import jpeg from 'jpeg-js';
import { checkImageSize, MAX_IMAGE_PIXELS, toGreyOrRgb, type DecodedImage } from './decoded-image';
import { fileError } from './errors';

export function isJpeg(buf: Uint8Array): boolean {
  return buf.length > 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff;
}

/** jpeg-js's refusal of a frame header over maxResolutionInMP ("… exceeded by 9950MP"). */
const TOO_LARGE = /maxResolutionInMP limit exceeded by (\d+)MP/;

const EOI = Buffer.from([0xff, 0xd9]);
const SOS = Buffer.from([0xff, 0xda]);

/**
 * jpeg-js's tolerant mode (needed: its strict mode fails on real files whose restart interval
 * does not divide the image's MCUs) fills a cut-off scan with grey. A file whose end-of-image
 * marker does not follow its first scan was cut off: refuse it.
 */
function truncated(buf: Buffer): boolean {
  const sos = buf.indexOf(SOS);
  return sos < 0 || buf.lastIndexOf(EOI) < sos;
}

function allGrey(rgb: Uint8Array): boolean {
  for (let i = 0; i < rgb.length; i += 3) if (rgb[i] !== rgb[i + 1] || rgb[i] !== rgb[i + 2]) return false;
  return true;
}

export function decodeJpeg(bytes: Uint8Array, file: string): DecodedImage {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isJpeg(buf)) throw fileError(file, 'is not a JPEG file (no SOI marker)');
  if (truncated(buf)) throw fileError(file, 'truncated JPEG: no end-of-image marker after the image data');
  let image: { width: number; height: number; data: Uint8Array };
  try {
    image = jpeg.decode(buf, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: true,
      maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
      // Decode buffers (coefficients, component planes, output) of a MAX_IMAGE_PIXELS image.
      maxMemoryUsageInMB: 1024,
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const over = TOO_LARGE.exec(message);
    if (over) throw fileError(file, `JPEG is about ${MAX_IMAGE_PIXELS / 1e6 + Number(over[1])} megapixels; images above ${MAX_IMAGE_PIXELS / 1e6} megapixels are refused — resize it first`);
    throw fileError(file, `cannot decode this JPEG (${message})`);
  }
  checkImageSize(image.width, image.height, file, 'JPEG');
  return toGreyOrRgb(image.data, image.width, image.height, 3, allGrey(image.data));
}
