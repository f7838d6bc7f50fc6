/**
 * A minimal PNG decoder (8-bit RGB/RGBA, not interlaced: what Chromium's screenshots are), so tests
 * can compare real screenshot pixels without an image library.
 */
import { inflateSync } from 'node:zlib';

export interface Image {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row after row. */
  data: Uint8Array;
}

export type Rgb = readonly [number, number, number];

export function decodePng(buf: Buffer): Image {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8];
      colorType = body[9];
      if (depth !== 8 || (colorType !== 2 && colorType !== 6) || body[12] !== 0) {
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colorType}, interlace ${body[12]}`);
      }
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = rows.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? rows.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? out[i - bpp] : 0;
      const b = up[i];
      const c = i >= bpp ? up[i - bpp] : 0;
      let v = src[i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[i] = v & 0xff;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    data[p * 4] = rows[p * bpp];
    data[p * 4 + 1] = rows[p * bpp + 1];
    data[p * 4 + 2] = rows[p * bpp + 2];
    data[p * 4 + 3] = bpp === 4 ? rows[p * bpp + 3] : 255;
  }
  return { width, height, data };
}

export function pixel(img: Image, x: number, y: number): Rgb {
  const i = (y * img.width + x) * 4;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
}

export function hexRgb(hex: string): Rgb {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not #rrggbb: ${hex}`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

export function near(a: Rgb, b: Rgb, tolerance = 2): boolean {
  return Math.abs(a[0] - b[0]) <= tolerance && Math.abs(a[1] - b[1]) <= tolerance && Math.abs(a[2] - b[2]) <= tolerance;
}

/** Pixels of `color` (within a tolerance). */
export function countColor(img: Image, color: Rgb, tolerance = 2): number {
  let n = 0;
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (near(pixel(img, x, y), color, tolerance)) n++;
  return n;
}

/** Columns (x) containing at least one pixel of `color` outside `skipRows`, left to right. */
export function columnsWith(img: Image, color: Rgb, tolerance = 2, skipRows: ReadonlySet<number> = new Set()): number[] {
  const cols: number[] = [];
  for (let x = 0; x < img.width; x++) {
    for (let y = 0; y < img.height; y++) {
      if (skipRows.has(y)) continue;
      if (near(pixel(img, x, y), color, tolerance)) {
        cols.push(x);
        break;
      }
    }
  }
  return cols;
}

/** Columns (x) where the two images differ anywhere outside `skipRows`. */
export function differingColumns(a: Image, b: Image, skipRows: ReadonlySet<number> = new Set()): number[] {
  if (a.width !== b.width || a.height !== b.height) throw new Error('images differ in size');
  const cols: number[] = [];
  for (let x = 0; x < a.width; x++) {
    for (let y = 0; y < a.height; y++) {
      if (skipRows.has(y)) continue;
      const i = (y * a.width + x) * 4;
      if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) {
        cols.push(x);
        break;
      }
    }
  }
  return cols;
}

/** Runs of consecutive columns: [first, last] pairs. */
export function runs(cols: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const x of cols) {
    const last = out[out.length - 1];
    if (last && x === last[1] + 1) last[1] = x;
    else out.push([x, x]);
  }
  return out;
}
