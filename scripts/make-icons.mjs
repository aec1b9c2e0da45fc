// Writes the web app's PNG icons (src/web/public/icon-*.png) with no external assets:
// a white bell-like ring with a check on Vigil's blue, drawn per pixel, zlib-compressed.
// Run: node scripts/make-icons.mjs
import fs from 'node:fs';
import zlib from 'node:zlib';

const BLUE = [11, 61, 110];
const WHITE = [255, 255, 255];
const AMBER = [241, 194, 50];

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

function segDist(px, py, ax, ay, bx, by) {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** Full-bleed (maskable-safe: the mark stays inside the central 60%). */
function png(size) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5) / size, v = (y + 0.5) / size;
      const r = Math.hypot(u - 0.5, v - 0.5);
      let c = BLUE;
      if (r > 0.22 && r < 0.29) c = WHITE; // the ring: a watch kept
      const check = Math.min(segDist(u, v, 0.39, 0.5, 0.47, 0.58), segDist(u, v, 0.47, 0.58, 0.62, 0.42));
      if (check < 0.035) c = AMBER;
      row.set(c, 1 + x * 3);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.concat(rows), { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

for (const size of [192, 512]) fs.writeFileSync(new URL(`../src/web/public/icon-${size}.png`, import.meta.url), png(size));
fs.writeFileSync(new URL('../src/web/public/apple-touch-icon.png', import.meta.url), png(180));
