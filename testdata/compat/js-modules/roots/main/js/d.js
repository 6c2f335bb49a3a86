window.sideEffect = true;
