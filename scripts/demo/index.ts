/** The demo's stack (what `npm start` runs), for the benchmarks that measure it. */
export { startDemoStack, type DemoPorts, type DemoStack, type DemoStackOptions } from './stack.js';
