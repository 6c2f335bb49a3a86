export default 'abs';
