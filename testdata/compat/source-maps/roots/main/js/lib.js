export const lib = 1;
//# sourceMappingURL=/static/js/lib.js.map