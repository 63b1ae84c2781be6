// Real PNG files made in the test (no binary fixtures in the repository): a logo and a
// picture for the split layout, drawn pixel by pixel and encoded with Node's zlib.
import * as zlib from 'zlib';

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An RGBA PNG of `width`×`height` whose pixels `paint(x, y)` gives. */
export function png(width: number, height: number, paint: (x: number, y: number) => [number, number, number, number]): Buffer {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = paint(x, y);
      const i = y * (width * 4 + 1) + 1 + x * 4;
      raw[i] = r;
      raw[i + 1] = g;
      raw[i + 2] = b;
      raw[i + 3] = a;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A wordless logo: a teal wave mark and three bars, on transparency. */
export function logoPng(): Buffer {
  return png(240, 64, (x, y) => {
    const inMark = (x - 32) ** 2 + (y - 32) ** 2 < 28 ** 2;
    const wave = Math.abs(y - 32 - 8 * Math.sin((x - 4) / 7)) < 4;
    if (inMark) return wave ? [255, 255, 255, 255] : [15, 118, 110, 255];
    const bar = x > 76 && ((y > 16 && y < 26 && x < 228) || (y > 32 && y < 42 && x < 196) || (y > 48 && y < 54 && x < 150));
    return bar ? [17, 24, 39, 235] : [0, 0, 0, 0];
  });
}

/** A calm gradient with soft hills, for the split layout's side. */
export function sidePng(): Buffer {
  return png(360, 480, (x, y) => {
    const t = y / 480;
    const hill = 330 + 40 * Math.sin(x / 45) + 20 * Math.cos(x / 19);
    const hill2 = 390 + 30 * Math.sin(x / 33 + 1);
    if (y > hill2) return [11, 79, 74, 255];
    if (y > hill) return [15, 118, 110, 255];
    return [Math.round(204 - 90 * t), Math.round(240 - 60 * t), Math.round(236 - 40 * t), 255];
  });
}
