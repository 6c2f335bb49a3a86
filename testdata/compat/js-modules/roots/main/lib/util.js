export function helper() { return 42; }
