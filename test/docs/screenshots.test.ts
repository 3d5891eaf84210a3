import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  SCREENS,
  SCREENSHOT_FILES,
  SCREENSHOT_LOCALES,
  SCREENSHOT_WIDTHS,
  SCREENSHOTS_DIR,
  screenshotFile,
} from '../../scripts/screenshots.js';

/** A PNG's width, from its IHDR chunk (bytes 16-19, big-endian). */
const pngWidth = (file: string) => readFileSync(join(SCREENSHOTS_DIR, file)).readUInt32BE(16);

describe('the committed screenshots', () => {
  it('are exactly what npm run screenshots draws: every screen, in two languages, at two widths', () => {
    // Prepare / Act
    const committed = readdirSync(SCREENSHOTS_DIR).sort();

    // Assess
    expect(committed, 'run `npm run screenshots`').toEqual([...SCREENSHOT_FILES].sort());
    expect(SCREENSHOT_LOCALES.length).toBeGreaterThanOrEqual(2);
    for (const locale of SCREENSHOT_LOCALES) {
      for (const screen of SCREENS) {
        for (const width of SCREENSHOT_WIDTHS)
          expect(pngWidth(screenshotFile(locale, screen, width))).toBe(width);
      }
    }
  });

  it('are linked from the README, each screen of the first language', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('](docs/screenshots/)');
    for (const screen of SCREENS) {
      expect(readme).toContain(`docs/screenshots/${screenshotFile(SCREENSHOT_LOCALES[0], screen, 390)}`);
    }
  });
});
