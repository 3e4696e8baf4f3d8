// Makes the app installable on a phone's home screen. Requests go to the network as they are: the
// notes kept for offline use live in the app's own storage (the SDK's sync()), which knows how far
// they are up to date; a cached answer here would not.
self.addEventListener('fetch', () => {});
