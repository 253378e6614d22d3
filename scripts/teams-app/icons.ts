/** Checks of the app icons against Teams' rules: color 192x192; outline 32x32, white on transparent. */
import { PNG } from 'pngjs';

export const ICON_RULES = {
  color: { size: 192, whiteOnTransparent: false },
  outline: { size: 32, whiteOnTransparent: true },
} as const;

export type IconKind = keyof typeof ICON_RULES;

/** What is wrong with the icon (empty when it follows the rules). */
export function iconProblems(kind: IconKind, fileName: string, bytes: Buffer): string[] {
  const rule = ICON_RULES[kind];
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch {
    return [`${fileName} (${kind} icon) is not a readable PNG file.`];
  }
  const problems: string[] = [];
  if (png.width !== rule.size || png.height !== rule.size) {
    problems.push(`${fileName} (${kind} icon) must be ${rule.size}x${rule.size} pixels (got ${png.width}x${png.height}).`);
  }
  if (rule.whiteOnTransparent) {
    const { transparent, white, other } = countPixels(png);
    if (transparent === 0) problems.push(`${fileName} (${kind} icon) must have a transparent background.`);
    if (white === 0) problems.push(`${fileName} (${kind} icon) has no white pixels: draw the mark in white.`);
    if (other > 0) problems.push(`${fileName} (${kind} icon) must be drawn in white only (found ${other} pixels of another colour).`);
  }
  return problems;
}

function countPixels(png: PNG): { transparent: number; white: number; other: number } {
  const counts = { transparent: 0, white: 0, other: 0 };
  for (let offset = 0; offset < png.data.length; offset += 4) {
    const [r, g, b, a] = png.data.subarray(offset, offset + 4);
    if (a === 0) counts.transparent++;
    else if (r === 255 && g === 255 && b === 255) counts.white++;
    else counts.other++;
  }
  return counts;
}
