// `npm run build`'s first step: remove dist/, so a file whose source was deleted or renamed
// (or an old build's source maps) never reaches the package (`npm pack` packs dist/ as it is).
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
