// Runs dynalite on one address. Its own CLI listens on every address of the host, which takes
// the port on the node's bridge address too, where the node forwards the dependencies to pods
// (scripts/dependencies/node.sh): the forwarder could then not bind, or dynalite could not start
// after it. Tables change state at once (no CREATING delay), as the tests expect.
//   node dynalite_run.js HOST PORT DYNALITE_PREFIX
const path = require('path');

const [host, port, prefix] = process.argv.slice(2);
const dynalite = require(path.join(prefix, 'node_modules', 'dynalite'));
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(Number(port), host, () => {
  console.log(`Listening at http://${host}:${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
