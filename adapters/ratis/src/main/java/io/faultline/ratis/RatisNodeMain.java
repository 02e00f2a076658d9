package io.faultline.ratis;

import io.faultline.local.ParentWatch;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main of one Ratis node JVM. Arguments:
 * {@code <nodeId> <port> <peers> <dataDir> <groupUuid> <snapshotThreshold> <bindAddress>},
 * peers as {@code n1:p1,n2:p2,...} (names, resolved through the node's hosts file), or {@code -} for a
 * spare node: it joins the group with an empty configuration and waits to be added by the leader's
 * {@code setConfiguration}.
 *
 * <p>Settings, and why: LINEARIZABLE reads (Ratis' default serves reads from the leader's state
 * machine unchecked); election timeouts 1–2 s (150–300 ms flaps leaders on a loaded 2-core box,
 * references/infra-on-these-machines.md); automatic snapshots (every 1,000 entries by default) so
 * restarts and lagging followers exercise snapshot install; gRPC bound to the node's own loopback
 * address only, so that the per-link fault proxies listen on the same port at the links' addresses.
 */
public final class RatisNodeMain {
  private static final Logger LOG = LoggerFactory.getLogger(RatisNodeMain.class);
  static final long ELECTION_TIMEOUT_MIN_MS = 1_000;
  static final long ELECTION_TIMEOUT_MAX_MS = 2_000;
  static final int SNAPSHOT_RETAINED = 2;
  /** The peers argument of a spare node. */
  static final String SPARE = "-";

  private RatisNodeMain() {}

  public static void main(String[] args) throws IOException {
    ParentWatch.start();
    if (args.length != 7) {
      System.err.println("usage: RatisNodeMain <nodeId> <port> <n1:p1,n2:p2,...> <dataDir> <groupUuid> <snapshotThreshold> <bindAddress>");
      System.exit(2);
    }
    RaftPeerId self = RaftPeerId.valueOf(args[0]);
    int port = Integer.parseInt(args[1]);
    List<RaftPeer> peers = args[2].equals(SPARE) ? List.of() : parsePeers(args[2]);
    Path dataDir = Path.of(args[3]);
    RaftGroupId groupId = RaftGroupId.valueOf(UUID.fromString(args[4]));
    RaftGroup group = RaftGroup.valueOf(groupId, peers);
    long snapshotThreshold = Long.parseLong(args[5]);
    String bindAddress = args[6];

    // The group's directory exists once this node has formatted its storage: recover from then on.
    boolean formatted = Files.isDirectory(dataDir.resolve(groupId.getUuid().toString()));
    RaftStorage.StartupOption option = formatted ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT;

    RaftServer server = RaftServer.newBuilder()
        .setServerId(self)
        .setGroup(group)
        .setProperties(properties(bindAddress, port, dataDir, snapshotThreshold))
        .setStateMachine(new KvStateMachine())
        .setOption(option)
        .build();
    server.start();
    LOG.info("{} started ({}) on {}:{}, group {} {}", self, option, bindAddress, port, groupId, peers);
  }

  static RaftProperties properties(String bindAddress, int port, Path dataDir, long snapshotThreshold) {
    RaftProperties props = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(props, List.of(new File(dataDir.toString())));
    GrpcConfigKeys.Server.setHost(props, bindAddress);
    GrpcConfigKeys.Server.setPort(props, port);
    RaftServerConfigKeys.Read.setOption(props, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(ELECTION_TIMEOUT_MIN_MS, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(ELECTION_TIMEOUT_MAX_MS, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, snapshotThreshold);
    RaftServerConfigKeys.Snapshot.setCreationGap(props, Math.min(snapshotThreshold, RaftServerConfigKeys.Snapshot.creationGap(props)));
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(props, SNAPSHOT_RETAINED);
    return props;
  }

  /**
   * The log's durability settings the nodes run with (Ratis' defaults, none set here), for reports:
   * whether the log is fsynced before an entry counts as written, and the group commit bound.
   */
  public static Map<String, Object> durability() {
    RaftProperties props = properties("127.0.0.1", 0, Path.of("unused"), RatisOptions.SNAPSHOT_THRESHOLD_DEFAULT);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(RaftServerConfigKeys.Log.UNSAFE_FLUSH_ENABLED_KEY, RaftServerConfigKeys.Log.unsafeFlushEnabled(props));
    m.put(RaftServerConfigKeys.Log.ASYNC_FLUSH_ENABLED_KEY, RaftServerConfigKeys.Log.asyncFlushEnabled(props));
    m.put(RaftServerConfigKeys.Log.FORCE_SYNC_NUM_KEY, (long) RaftServerConfigKeys.Log.forceSyncNum(props));
    return m;
  }

  /** {@code n1:20001,n2:20002} → peers with those ids and addresses. */
  static List<RaftPeer> parsePeers(String spec) {
    List<RaftPeer> peers = new ArrayList<>();
    for (String entry : spec.split(",")) {
      int colon = entry.lastIndexOf(':');
      if (colon <= 0) throw new IllegalArgumentException("peer must be id:port, got '" + entry + "'");
      peers.add(RaftPeer.newBuilder().setId(entry.substring(0, colon)).setAddress(entry).build());
    }
    return peers;
  }
}
