import "./a.js"
import b from "./b.js"
const from_ = 1
export { c } from "./c.js"
