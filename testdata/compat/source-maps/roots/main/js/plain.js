// a comment mentioning sourceMappingURL is not a reference
var s = "//# sourceMappingURL=nope.map";
