export default function lazy() {}
