import x from "./a.js";
import {a, b} from './b.js';
export * from "./c.js";
import "./d.js";
const lazy = () => import("./e.js");
import * as lib from "../lib/util.js";
import abs from "/static/lib/abs.js";
import bare from "some-package";
console.log(x, a, b, lazy, lib, abs, bare);
