package io.faultline.raft;

import io.faultline.runtime.EventLoop;
import io.faultline.runtime.Transport;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Puts the HTTP API's requests into a {@link RaftNode} as if they came over the transport from a
 * peer named {@link #CLIENTS}, and hands the node's replies to that peer back to the waiting HTTP
 * handler; everything else goes to the real transport. The node's code stays the one the simulator
 * runs, client protocol included.
 */
final class ClientGateway implements Transport<Wire> {
  static final String CLIENTS = "http";
  /** Requests waiting for a reply; beyond this a request is answered BUSY at once. */
  static final int PENDING_MAX = 10_000;

  private final Transport<Wire> peers;
  private final EventLoop loop;
  private final Map<Long, CompletableFuture<ClientReply>> pending = new ConcurrentHashMap<>();
  private final AtomicLong nextRequestId = new AtomicLong();
  private volatile Handler<Wire> handler;

  ClientGateway(Transport<Wire> peers, EventLoop loop) {
    this.peers = peers;
    this.loop = loop;
  }

  @Override
  public String self() { return peers.self(); }

  @Override
  public void setHandler(Handler<Wire> h) {
    handler = h;
    peers.setHandler(h);
  }

  @Override
  public void send(String to, Wire message) {
    if (!to.equals(CLIENTS)) {
      peers.send(to, message);
      return;
    }
    if (message instanceof ClientReply) {
      CompletableFuture<ClientReply> waiter = pending.remove(((ClientReply) message).requestId());
      if (waiter != null) waiter.complete((ClientReply) message);
    }
  }

  /** Submits a command; the future completes with the node's reply, or is cancelled by a waiter that gives up. */
  CompletableFuture<ClientReply> submit(Command command) {
    return submit(id -> new ClientRequest(id, command));
  }

  /** Submits the request {@code requestOf} makes with its id (a command, a txn or a read). */
  CompletableFuture<ClientReply> submit(java.util.function.LongFunction<Wire> requestOf) {
    long id = nextRequestId.incrementAndGet();
    CompletableFuture<ClientReply> waiter = new CompletableFuture<>();
    if (pending.size() >= PENDING_MAX) {
      waiter.complete(new ClientReply(id, ClientReply.Status.BUSY, null, 0));
      return waiter;
    }
    pending.put(id, waiter);
    waiter.whenComplete((reply, cancelled) -> pending.remove(id)); // a waiter that gave up cancels it
    loop.execute(() -> {
      Handler<Wire> h = handler;
      if (h == null) {
        send(CLIENTS, new ClientReply(id, ClientReply.Status.NOT_LEADER, null, 0)); // still loading its log
      } else {
        h.onMessage(CLIENTS, requestOf.apply(id));
      }
    });
    return waiter;
  }
}
