package io.faultline.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.faultline.sut.LinkFaults;
import io.faultline.sut.NetworkControl;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The toxiproxy backend against {@link ToxiproxyStandIn}: the requests it sends for each fault, and
 * that a heal leaves no toxic and a teardown no proxy. No real Toxiproxy server is installed here.
 */
class ToxiproxyNetworkTest {
  private static final List<String> IDS = List.of("n1", "n2", "n3");
  private static final int[] PORTS = {21001, 21002, 21003};
  private ToxiproxyStandIn standIn;
  private ToxiproxyNetwork network;

  @BeforeEach
  void start() throws IOException {
    standIn = new ToxiproxyStandIn();
  }

  @AfterEach
  void stop() {
    if (network != null) network.close();
    standIn.close();
  }

  private ToxiproxyNetwork open(boolean partitionClients) throws IOException {
    network = new ToxiproxyNetwork(standIn.endpoint(), "run1", IDS, PORTS, partitionClients, LocalNetwork.loopback(IDS));
    standIn.clearRequests();
    return network;
  }

  private static JsonObject json(String text) { return JsonParser.parseString(text).getAsJsonObject(); }

  /** The bodies of the POSTs to one proxy's toxics (creations), in order. */
  private List<JsonObject> created(String proxy) {
    List<JsonObject> out = new ArrayList<>();
    for (ToxiproxyStandIn.Request r : standIn.requests()) {
      if (r.method().equals("POST") && r.path().equals("/proxies/" + proxy + "/toxics")) out.add(r.json());
    }
    return out;
  }

  @Test
  void createsOneProxyPerDirectedLinkOnTheLinksOwnAddress() throws IOException {
    open(false);
    Map<String, JsonObject> proxies = standIn.proxies();
    assertEquals(6, proxies.size(), proxies.keySet().toString());
    JsonObject n1n2 = proxies.get("fl-run1-n1-n2");
    assertEquals(HostsFile.linkAddress(IDS, "n1", "n2") + ":21002", n1n2.get("listen").getAsString());
    assertEquals(HostsFile.nodeAddress(IDS, "n2") + ":21002", n1n2.get("upstream").getAsString());
    assertEquals(IDS, network.endpoints());
  }

  @Test
  void clientsGetAProxyTowardsEachNodeWhenPartitionable() throws IOException {
    open(true);
    assertEquals(9, standIn.proxies().size());
    assertTrue(standIn.proxies().containsKey("fl-run1-clients-n3"));
    assertEquals(List.of("n1", "n2", "n3", NetworkControl.CLIENTS), network.endpoints());
  }

  @Test
  void oneWayCut_holdsBytesUpstreamOnItsProxyAndRepliesDownstreamOnTheReverseProxy() throws IOException {
    open(false);
    network.setLink("n1", "n2", LinkFaults.NONE.withCut(true));
    assertEquals(List.of(json("{\"name\":\"hold-upstream\",\"type\":\"timeout\",\"stream\":\"upstream\",\"toxicity\":1.0,"
        + "\"attributes\":{\"timeout\":0}}")), created("fl-run1-n1-n2"));
    assertEquals(List.of(json("{\"name\":\"hold-downstream\",\"type\":\"timeout\",\"stream\":\"downstream\",\"toxicity\":1.0,"
        + "\"attributes\":{\"timeout\":0}}")), created("fl-run1-n2-n1"));
    assertTrue(standIn.toxics("fl-run1-n1-n3").isEmpty());
    assertEquals(LinkFaults.NONE.withCut(true), network.link("n1", "n2"));
    assertEquals(LinkFaults.NONE, network.link("n2", "n1"));
  }

  @Test
  void blackhole_isATimeoutToxicWithTimeoutZero() throws IOException {
    open(false);
    network.setLink("n2", "n3", LinkFaults.NONE.withBlackhole(true));
    JsonObject toxic = standIn.toxics("fl-run1-n2-n3").get("hold-upstream");
    assertEquals("timeout", toxic.get("type").getAsString());
    assertEquals(0, toxic.getAsJsonObject("attributes").get("timeout").getAsLong());
  }

  @Test
  void delayWithJitter_isALatencyToxicThenItsJitter() throws IOException {
    open(false);
    network.setLink("n1", "n2", LinkFaults.NONE.withDelay(100, 25));
    assertEquals(List.of(json("{\"name\":\"latency-upstream\",\"type\":\"latency\",\"stream\":\"upstream\",\"toxicity\":1.0,"
        + "\"attributes\":{\"latency\":100,\"jitter\":0}}")), created("fl-run1-n1-n2"));
    List<ToxiproxyStandIn.Request> updates = new ArrayList<>();
    for (ToxiproxyStandIn.Request r : standIn.requests()) {
      if (r.path().equals("/proxies/fl-run1-n1-n2/toxics/latency-upstream") && r.method().equals("POST")) updates.add(r);
    }
    assertEquals(1, updates.size(), standIn.requests().toString());
    assertEquals(json("{\"attributes\":{\"jitter\":25}}"), updates.get(0).json());
    assertEquals(json("{\"latency\":100,\"jitter\":25}"),
        standIn.toxics("fl-run1-n1-n2").get("latency-upstream").getAsJsonObject("attributes"));
    assertEquals(json("{\"latency\":100,\"jitter\":25}"),
        standIn.toxics("fl-run1-n2-n1").get("latency-downstream").getAsJsonObject("attributes"));
  }

  @Test
  void bandwidth_isCountedInKilobytesPerSecondRoundedUp() throws IOException {
    open(false);
    network.setLink("n1", "n2", LinkFaults.NONE.withBandwidth(10_000));
    assertEquals(List.of(json("{\"name\":\"bandwidth-upstream\",\"type\":\"bandwidth\",\"stream\":\"upstream\",\"toxicity\":1.0,"
        + "\"attributes\":{\"rate\":10}}")), created("fl-run1-n1-n2"));
  }

  @Test
  void resetAndSlowClose_areConnectionToxicsOfTheOpenersProxyOnly() throws IOException {
    open(false);
    network.setLink("n3", "n1", LinkFaults.NONE.withResetAfter(500).withSlowClose(1_000));
    assertEquals(List.of(
        json("{\"name\":\"reset-peer\",\"type\":\"reset_peer\",\"stream\":\"upstream\",\"toxicity\":1.0,\"attributes\":{\"timeout\":500}}"),
        json("{\"name\":\"slow-close\",\"type\":\"slow_close\",\"stream\":\"upstream\",\"toxicity\":1.0,\"attributes\":{\"delay\":1000}}")),
        created("fl-run1-n3-n1"));
    assertTrue(created("fl-run1-n1-n3").isEmpty(), "connection faults act on connections n3 opens only");
  }

  @Test
  void changingALink_replacesOnlyTheToxicsThatChanged() throws IOException {
    open(false);
    network.setLink("n1", "n2", LinkFaults.NONE.withCut(true).withDelay(50, 0));
    standIn.clearRequests();
    network.setLink("n1", "n2", LinkFaults.NONE.withDelay(50, 0));
    assertEquals(List.of("DELETE /proxies/fl-run1-n1-n2/toxics/hold-upstream", "DELETE /proxies/fl-run1-n2-n1/toxics/hold-downstream"),
        deletes());
    assertEquals(List.of("latency-upstream"), List.copyOf(standIn.toxics("fl-run1-n1-n2").keySet()));
  }

  private List<String> deletes() {
    List<String> out = new ArrayList<>();
    for (ToxiproxyStandIn.Request r : standIn.requests()) if (r.method().equals("DELETE")) out.add(r.method() + " " + r.path());
    return out;
  }

  @Test
  void healingALink_removesItsToxics() throws IOException {
    open(false);
    network.setLink("n1", "n2", LinkFaults.NONE.withCut(true));
    network.setLink("n1", "n2", LinkFaults.NONE);
    for (Map.Entry<String, JsonObject> p : standIn.proxies().entrySet()) assertTrue(standIn.toxics(p.getKey()).isEmpty(), p.getKey());
  }

  @Test
  void healAll_removesEveryToxicOfEveryProxy_evenOnesItDidNotCreate() throws IOException {
    open(true);
    network.setLink("n1", "n2", LinkFaults.NONE.withCut(true).withDelay(10, 5));
    network.setLink("n2", "n3", LinkFaults.NONE.withBandwidth(2_048).withResetAfter(0));
    network.setLink(NetworkControl.CLIENTS, "n1", LinkFaults.NONE.withSlowClose(100));
    new eu.rekawek.toxiproxy.ToxiproxyClient("127.0.0.1", Integer.parseInt(standIn.endpoint().split(":")[1]))
        .getProxy("fl-run1-n3-n1").toxics().latency("foreign", eu.rekawek.toxiproxy.model.ToxicDirection.UPSTREAM, 5);
    network.healAll();
    for (String proxy : standIn.proxies().keySet()) assertEquals(Map.of(), standIn.toxics(proxy), proxy);
    assertEquals(LinkFaults.NONE, network.link("n1", "n2"));
    network.setLink("n1", "n2", LinkFaults.NONE.withCut(true));
    assertEquals(1, standIn.toxics("fl-run1-n1-n2").size(), "after a heal, faults apply afresh");
  }

  @Test
  void close_deletesEveryProxyItCreated() throws IOException {
    open(true);
    network.setLink("n1", "n2", LinkFaults.NONE.withCut(true));
    network.close();
    assertEquals(Map.of(), standIn.proxies());
    assertEquals(9, deletes().stream().filter(d -> d.matches("DELETE /proxies/[^/]+")).count());
    network.close();
  }

  @Test
  void staleProxiesOfAKilledRun_onOurNameOrListenAddress_areDeletedFirst() throws IOException {
    String listen = HostsFile.linkAddress(IDS, "n1", "n2") + ":21002";
    standIn.addProxy("fl-oldrun-n1-n2", listen, "127.0.0.1:1");
    standIn.addProxy("fl-run1-n3-n2", "127.9.9.9:1", "127.0.0.1:1");
    standIn.addProxy("someone-else", "127.8.8.8:1", "127.0.0.1:1");
    open(false);
    assertFalse(standIn.proxies().containsKey("fl-oldrun-n1-n2"));
    assertTrue(standIn.proxies().containsKey("someone-else"), "proxies of others are left alone");
    assertEquals(listen, standIn.proxies().get("fl-run1-n1-n2").get("listen").getAsString());
  }

  @Test
  void unknownEndpoint_isAnErrorNamingIt() throws IOException {
    open(false);
    assertThrows(IllegalArgumentException.class, () -> network.setLink("n1", "n9", LinkFaults.NONE));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> ToxiproxyNetwork.parseEndpoint("localhost"));
    assertTrue(bad.getMessage().contains("HOST:PORT"), bad.getMessage());
  }

  @Test
  void noServer_failsFastSayingSo() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String endpoint = "127.0.0.1:" + port;
    IOException e = assertThrows(IOException.class,
        () -> new ToxiproxyNetwork(endpoint, "run1", IDS, PORTS, false, LocalNetwork.loopback(IDS)));
    assertTrue(e.getMessage().contains("no Toxiproxy server answers at " + endpoint), e.getMessage());
  }

  @Test
  void deployment_onTheToxiproxyBackend_usesTheConfiguredServerAndLeavesNoProxy(@TempDir Path runs) throws IOException {
    String before = System.getProperty(ToxiproxyNetwork.ENDPOINT_PROPERTY);
    System.setProperty(ToxiproxyNetwork.ENDPOINT_PROPERTY, standIn.endpoint());
    try (LocalDeployment d = LocalDeployment.create(runs.resolve("tp"), List.of("n1", "n2"), 7, true,
        LocalDeployment.NetworkBackend.TOXIPROXY)) {
      assertInstanceOf(ToxiproxyNetwork.class, d.network());
      assertEquals(4, standIn.proxies().size());
      assertEquals(HostsFile.linkAddress(List.of("n1", "n2"), NetworkControl.CLIENTS, "n2") + ":" + d.port("n2"),
          d.harnessAddress("n2"));
      d.network().setLink("n1", "n2", LinkFaults.NONE.withCut(true));
    } finally {
      if (before == null) System.clearProperty(ToxiproxyNetwork.ENDPOINT_PROPERTY); else System.setProperty(ToxiproxyNetwork.ENDPOINT_PROPERTY, before);
    }
    assertEquals(Map.of(), standIn.proxies());
  }

  @Test
  void deployment_onTheToxiproxyBackend_withoutAServer_saysHowToNameOne(@TempDir Path runs) {
    String before = System.getProperty(ToxiproxyNetwork.ENDPOINT_PROPERTY);
    System.clearProperty(ToxiproxyNetwork.ENDPOINT_PROPERTY);
    try {
      org.junit.jupiter.api.Assumptions.assumeTrue(ToxiproxyNetwork.configuredEndpoint() == null,
          ToxiproxyNetwork.ENDPOINT_ENV + " is set in this environment");
      IOException e = assertThrows(IOException.class, () -> LocalDeployment.create(runs.resolve("tp"), List.of("n1", "n2"), 7,
          false, LocalDeployment.NetworkBackend.TOXIPROXY));
      assertTrue(e.getMessage().contains("--toxiproxy HOST:PORT"), e.getMessage());
    } finally {
      if (before != null) System.setProperty(ToxiproxyNetwork.ENDPOINT_PROPERTY, before);
    }
  }
}
