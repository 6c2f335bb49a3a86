window.widget = {};
