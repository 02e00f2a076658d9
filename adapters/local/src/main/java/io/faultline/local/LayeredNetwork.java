package io.faultline.local;

import io.faultline.sut.LinkFaults;
import io.faultline.sut.NetworkControl;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code netns} backend with the fault proxies layered on top: each link's faults go where
 * they can be done. Cuts, blackholes and bandwidth are the kernel's ({@link NetnsNetwork}: nftables
 * drops, tbf); delay, jitter, resets and slow closes are the proxy's ({@link LocalNetwork}, whose
 * upstream connections leave from the sending node's source alias so the kernel's rules still
 * apply). The clients reach nodes directly, so their links take kernel faults only.
 */
final class LayeredNetwork implements NetworkControl, AutoCloseable {
  private final NetnsNetwork kernel;
  private final LocalNetwork proxies;
  private final Map<String, LinkFaults> faults = new LinkedHashMap<>();

  LayeredNetwork(NetnsNetwork kernel, LocalNetwork proxies) {
    this.kernel = kernel;
    this.proxies = proxies;
  }

  NetnsNetwork kernel() { return kernel; }

  @Override
  public List<String> endpoints() { return kernel.endpoints(); }

  @Override
  public synchronized void setLink(String from, String to, LinkFaults f) throws IOException {
    LinkFaults proxyPart = LinkFaults.NONE.withDelay(f.delayMs(), f.jitterMs()).withResetAfter(f.resetAfterMs())
        .withSlowClose(f.slowCloseMs());
    boolean clients = from.equals(CLIENTS) || to.equals(CLIENTS);
    if (clients && !proxyPart.isNone()) {
      throw new UnsupportedOperationException("netns: the clients' links take cuts, blackholes and bandwidth only, got " + f);
    }
    kernel.setLink(from, to, LinkFaults.NONE.withCut(f.cut()).withBlackhole(f.blackhole()).withBandwidth(f.bandwidthBytesPerSec()));
    if (!clients) proxies.setLink(from, to, proxyPart);
    if (f.isNone()) faults.remove(from + "\u2192" + to); else faults.put(from + "\u2192" + to, f);
  }

  @Override
  public synchronized LinkFaults link(String from, String to) { return faults.getOrDefault(from + "\u2192" + to, LinkFaults.NONE); }

  @Override
  public synchronized void healAll() throws IOException {
    faults.clear();
    proxies.healAll();
    kernel.healAll();
  }

  @Override
  public void close() {
    proxies.close();
    kernel.close();
  }
}
