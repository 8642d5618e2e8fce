// The photo check on the device, before anything is sent: resolution and a blur estimate, a
// few milliseconds of plain JavaScript on a 480 px copy. It only warns (the server's check at
// upload decides, with the document located): a photo of a plain wall is sharp nowhere, so the
// blur figure is read from the sharpest part of the frame, not the whole of it.

// Below this many pixels on the long side, no framing gives the server's 600 px document.
export const MIN_LONG_SIDE = 800;
const SIDE = 480; // the measured copy's long side
const CELLS = 4; // the frame is judged by its sharpest cell in a CELLS x CELLS grid
// Variance of the 4-neighbour Laplacian in the sharpest cell of the 480 px copy (grey 0-255):
// generated passports and cards photographed at 1600 px measure 5,200-7,800 sharp, 1,000-2,000
// under a 2 px Gaussian blur, 290-670 under 3 px, 100-250 under 4 px (where the server's gate,
// at 1000 px, refuses them); the real specimens of the shared corpus measure 470 and up.
export const MIN_SHARPNESS = 300;

function greyCopy(bitmap) {
  const scale = Math.min(1, SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(8, Math.round(bitmap.width * scale));
  const height = Math.max(8, Math.round(bitmap.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0, width, height);
  const rgba = context.getImageData(0, 0, width, height).data;
  const grey = new Float32Array(width * height);
  for (let i = 0; i < grey.length; i += 1) grey[i] = 0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2];
  return { grey, width, height };
}

// The largest per-cell variance of the 4-neighbour Laplacian.
export function sharpness({ grey, width, height }) {
  const cellW = Math.floor(width / CELLS);
  const cellH = Math.floor(height / CELLS);
  let best = 0;
  for (let cy = 0; cy < CELLS; cy += 1) {
    for (let cx = 0; cx < CELLS; cx += 1) {
      let sum = 0;
      let squares = 0;
      let n = 0;
      for (let y = Math.max(1, cy * cellH); y < Math.min(height - 1, (cy + 1) * cellH); y += 1) {
        for (let x = Math.max(1, cx * cellW); x < Math.min(width - 1, (cx + 1) * cellW); x += 1) {
          const i = y * width + x;
          const value = grey[i - 1] + grey[i + 1] + grey[i - width] + grey[i + width] - 4 * grey[i];
          sum += value;
          squares += value * value;
          n += 1;
        }
      }
      if (n) best = Math.max(best, squares / n - (sum / n) ** 2);
    }
  }
  return best;
}

// The problems seen on the device, as the server's codes; [] when none (or the browser cannot
// decode the file: HEIC, PDF, which the server checks alone).
export async function assess(blob) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch {
    return [];
  }
  try {
    const problems = [];
    if (Math.max(bitmap.width, bitmap.height) < MIN_LONG_SIDE) problems.push('IMAGE_RESOLUTION_TOO_LOW');
    if (sharpness(greyCopy(bitmap)) < MIN_SHARPNESS) problems.push('PHOTO_TOO_BLURRY');
    return problems;
  } finally {
    bitmap.close();
  }
}
