console.log('app');
//# sourceMappingURL=app.js.map
