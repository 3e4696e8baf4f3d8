// Makes the app installable on a phone's home screen. Requests go to the network as they are:
// notes and photos are live data, and a stale copy would mislead more than an offline message.
self.addEventListener('fetch', () => {});
