/**
 * Where MyNet Manager's page lives (static/ beside this file: index.html and assets/), served
 * by common/http's StaticAssets (loaded once at start, raw paths only, strict CSP), and what the
 * listener needs of it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Answer a request for a page file, or say it is not one (false: nothing sent). */
export interface PageAssets {
  serve(req: IncomingMessage, res: ServerResponse): boolean;
}

export const PAGE_DIR = new URL('./static/', import.meta.url);
