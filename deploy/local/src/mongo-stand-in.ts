import fs from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { deployLocalDir, flowlineDir, logFileOf, pidFileOf } from './infra-layout';
import type { LocalServer } from './local-server';
import { localSettings, loopback, ports } from './local-settings';
import {
  ensureManagedProcess,
  statusOfManagedProcess,
  stopManagedProcess,
  type ManagedProcess,
} from './managed-process';
import { classpathOf, ensureMavenJars } from './maven-jars';
import { requireOnPath, spawnDetached } from './process-control';
import { waitUntil } from './wait-until';

// MongoDB stand-in: mongo-java-server (a MongoDB wire-protocol server in Java) with its H2 MVStore
// backend, so collections and the oplog (hence change-stream resume tokens) survive a restart.
// Launched by java/MongoStandIn.java, which selects the MongoDB 5.0 protocol and enables the oplog
// that change streams need. See README.md for what it does differently from a real MongoDB.

const standInDir = path.join(flowlineDir, 'mongo-stand-in');
const libDir = path.join(standInDir, 'libs');
const storeFile = path.join(standInDir, 'data', 'flowline.mv.db');
const launcher = path.join(deployLocalDir, 'java', 'MongoStandIn.java');

const jvmOptions = [
  '-Xms64m',
  '-Xmx384m',
  '-XX:+UseSerialGC',
  // One line per client connection at INFO would flood the log under parallel tests.
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
  '-Dorg.slf4j.simpleLogger.log.de.bwaldvogel.mongo.MongoServer=info',
  // Logs a full stack trace for every client that closes its socket with a reset (port probes, the
  // driver's monitors); command errors still reach the client as MongoDB error replies.
  '-Dorg.slf4j.simpleLogger.log.de.bwaldvogel.mongo.wire.MongoExceptionHandler=off',
  '-Dorg.slf4j.simpleLogger.showDateTime=true',
];

async function ping(): Promise<string> {
  const client = new MongoClient(localSettings.MONGODB_URL, {
    serverSelectionTimeoutMS: 1000,
    connectTimeoutMS: 1000,
  });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    const info = await client.db('admin').command({ buildInfo: 1 });
    return `wire protocol of MongoDB ${String(info['version'])}`;
  } finally {
    await client.close();
  }
}

const standIn: ManagedProcess = {
  label: 'mongodb',
  port: ports.mongodb,
  pidFile: pidFileOf('mongo-stand-in'),
  logFile: logFileOf('mongo-stand-in'),
  markers: ['MongoStandIn', storeFile],
  startTimeoutMs: 60_000,
  stopGraceMs: 15_000,
  probe: ping,
  waitReady: (options) => waitUntil('mongodb stand-in ping', ping, options),
  spawn: () => {
    requireOnPath('java', 'the MongoDB stand-in runs on the machine’s Java 17');
    fs.mkdirSync(path.dirname(storeFile), { recursive: true });
    return Promise.resolve(
      spawnDetached({
        command: 'java',
        args: [...jvmOptions, '-cp', classpathOf(libDir), launcher, loopback, String(ports.mongodb), storeFile],
        logFile: logFileOf('mongo-stand-in'),
        cwd: standInDir,
      }),
    );
  },
};

export const mongoStandIn: LocalServer = {
  name: 'mongodb',
  prepare: async (log) => {
    await ensureMavenJars(
      { name: 'mongo-stand-in', pom: path.join(deployLocalDir, 'maven/mongo-stand-in/pom.xml'), libDir },
      log,
    );
  },
  ensureRunning: async (log) => {
    await ensureManagedProcess(standIn, log);
  },
  stop: (log) => stopManagedProcess(standIn, log),
  status: () => statusOfManagedProcess(standIn),
};
