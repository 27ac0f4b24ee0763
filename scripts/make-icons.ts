// Draws the app icons from resources/icon.svg: PNGs at every size electron-builder and the desktop
// environments ask for (resources/icons/NxN.png for Linux, resources/icon.png at 1024), a Windows
// .ico and a macOS .icns. Each size is rendered from the SVG itself (resvg), not scaled from
// another PNG. Run after editing the SVG: npm run icons
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import pngToIco from 'png-to-ico';
import { Icns, IcnsImage } from '@fiahfy/icns';

export const RESOURCES = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources');
export const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256] as const;
/** ICNS types by the pixel size they hold (the @2x types reuse the bigger renders). */
export const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512],
] as const;

/** The SVG rendered at size × size, as PNG bytes (transparent outside the rounded square). */
export function renderIcon(svg: string, size: number): Buffer {
  return Buffer.from(new Resvg(svg, { fitTo: { mode: 'width', value: size }, background: 'rgba(0,0,0,0)' }).render().asPng());
}

async function main(): Promise<void> {
  const svg = readFileSync(join(RESOURCES, 'icon.svg'), 'utf8');
  const png = new Map<number, Buffer>();
  for (const s of new Set<number>([...LINUX_SIZES, ...ICO_SIZES, ...ICNS_TYPES.map(([, n]) => n)])) png.set(s, renderIcon(svg, s));
  mkdirSync(join(RESOURCES, 'icons'), { recursive: true });
  for (const s of LINUX_SIZES) writeFileSync(join(RESOURCES, 'icons', `${s}x${s}.png`), png.get(s)!);
  writeFileSync(join(RESOURCES, 'icon.png'), png.get(1024)!);
  writeFileSync(join(RESOURCES, 'icon.ico'), await pngToIco(ICO_SIZES.map((s) => png.get(s)!)));
  const icns = new Icns();
  for (const [type, s] of ICNS_TYPES) icns.append(IcnsImage.fromPNG(png.get(s)!, type));
  writeFileSync(join(RESOURCES, 'icon.icns'), icns.data);
  console.log(`icons written to ${RESOURCES}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
