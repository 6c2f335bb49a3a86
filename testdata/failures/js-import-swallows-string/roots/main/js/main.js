import "./a.js"
console.log("loaded from './b.js'")
