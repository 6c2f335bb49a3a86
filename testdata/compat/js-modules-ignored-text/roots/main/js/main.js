const s = "import x from './missing.js';";
// import y from './missing2.js';
const t = `import("./missing3.js")`;
import z from "./z.js";
