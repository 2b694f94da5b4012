// Local MongoDB stand-in: mongo-java-server speaking the MongoDB 5.0 wire protocol, with the oplog
// enabled so the `mongodb` driver's change streams (watch, fullDocument: 'updateLookup',
// resumeAfter) work without a real replica set. Run as a single-file source program:
//   java -cp <mongo-stand-in jars> MongoStandIn.java <host> <port> <h2-store-file | :memory:>
// deploy/local starts it; see deploy/local/README.md.
import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.ServerVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

import java.util.concurrent.CountDownLatch;

public class MongoStandIn {
    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: MongoStandIn <host> <port> <h2-store-file | :memory:>");
            System.exit(2);
        }
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String store = args[2];

        // The H2 MVStore file keeps collections (and the oplog collection) across restarts.
        MongoBackend backend = ":memory:".equals(store) ? new MemoryBackend() : new H2Backend(store);
        backend.version(ServerVersion.MONGO_5_0);

        MongoServer server = new MongoServer(backend);
        server.enableOplog();
        server.bind(host, port);
        System.out.println("MongoStandIn listening on " + host + ":" + port + " (store " + store + ")");

        // SIGTERM runs shutdown hooks: stop accepting clients, then close the backend so the
        // MVStore flushes its last writes (a kill -9 may lose up to H2's ~1 s auto-commit delay).
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown();
            backend.close();
            stopped.countDown();
        }, "mongo-stand-in-shutdown"));
        stopped.await();
    }
}
