/**
 * Draws the Teams app icons into manifest/ (a shield with a check mark):
 *   color.png   192x192, white shield on the accent colour, full bleed
 *   outline.png  32x32, white shield outline on transparent
 * The PNGs are committed; run `npx tsx scripts/make-icons.ts` only to redraw them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';

/** Also the manifest's accentColor. */
const ACCENT = { r: 0x0b, g: 0x3d, b: 0x91 };
const WHITE = { r: 255, g: 255, b: 255 };
const SUBSAMPLES = 4;

type Rgb = typeof WHITE;
/** Coverage test in unit coordinates (0..1 on both axes). */
type Shape = (x: number, y: number) => boolean;

function shield(scale: number): Shape {
  const top = 0.5 - 0.36 * scale;
  const shoulder = 0.5 - 0.02 * scale;
  const tip = 0.5 + 0.42 * scale;
  const halfWidth = 0.3 * scale;
  return (x, y) => {
    const dx = Math.abs(x - 0.5);
    if (dx > halfWidth) return false;
    // The top edge dips slightly towards the middle, like a heraldic shield.
    const topEdge = top + 0.04 * scale * (1 - (dx / halfWidth) ** 2);
    if (y < topEdge || y > tip) return false;
    if (y <= shoulder) return true;
    const t = (y - shoulder) / (tip - shoulder);
    return dx <= halfWidth * (1 - t * t);
  };
}

function polyline(points: Array<[number, number]>, thickness: number): Shape {
  return (x, y) =>
    points.slice(1).some(([bx, by], index) => {
      const [ax, ay] = points[index];
      const abx = bx - ax;
      const aby = by - ay;
      const t = Math.max(0, Math.min(1, ((x - ax) * abx + (y - ay) * aby) / (abx * abx + aby * aby)));
      return Math.hypot(x - (ax + t * abx), y - (ay + t * aby)) <= thickness / 2;
    });
}

const CHECK_POINTS: Array<[number, number]> = [[0.36, 0.49], [0.46, 0.6], [0.65, 0.38]];

/** Paints layers front to back over a background; each pixel is supersampled for smooth edges. */
function draw(size: number, background: Rgb | null, layers: Array<{ shape: Shape; color: Rgb | null }>): PNG {
  const png = new PNG({ width: size, height: size, colorType: 6 });
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < SUBSAMPLES; sy++) {
        for (let sx = 0; sx < SUBSAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SUBSAMPLES) / size;
          const y = (py + (sy + 0.5) / SUBSAMPLES) / size;
          const hit = layers.find((layer) => layer.shape(x, y));
          const color = hit ? hit.color : background;
          if (color) { r += color.r; g += color.g; b += color.b; a += 1; }
        }
      }
      const offset = (py * size + px) * 4;
      const samples = SUBSAMPLES * SUBSAMPLES;
      // Colour is averaged over the covered samples only (straight alpha), so edges stay pure white.
      png.data[offset] = a ? Math.round(r / a) : 0;
      png.data[offset + 1] = a ? Math.round(g / a) : 0;
      png.data[offset + 2] = a ? Math.round(b / a) : 0;
      png.data[offset + 3] = Math.round((255 * a) / samples);
    }
  }
  return png;
}

const outerShield = shield(1.1);
const innerShield = shield(0.78);
const color = draw(192, ACCENT, [
  { shape: polyline(CHECK_POINTS, 0.075), color: ACCENT },
  { shape: outerShield, color: WHITE },
]);
const outline = draw(32, null, [
  { shape: polyline(CHECK_POINTS, 0.11), color: WHITE },
  { shape: (x, y) => outerShield(x, y) && !innerShield(x, y), color: WHITE },
]);

const manifestDir = path.join(__dirname, '..', 'manifest');
fs.writeFileSync(path.join(manifestDir, 'color.png'), PNG.sync.write(color, { colorType: 6 }));
fs.writeFileSync(path.join(manifestDir, 'outline.png'), PNG.sync.write(outline, { colorType: 6 }));
console.log(`Wrote ${path.join(manifestDir, 'color.png')} and outline.png`);
