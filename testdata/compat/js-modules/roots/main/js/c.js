export { helper } from "../lib/util.js";
