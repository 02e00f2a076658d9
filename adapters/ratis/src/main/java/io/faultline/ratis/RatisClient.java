package io.faultline.ratis;

import io.faultline.history.Op;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;

/**
 * A register client bound to one node: {@code read}, {@code write} and {@code cas} on independent
 * keys ({@code op.key()}). Writes and cas take Ratis' normal write path (to the leader); reads are
 * linearizable reads served by the bound node (ReadIndex through the leader), or, with the planted
 * bug {@code ratis.stale-read}, Ratis' stale read from the bound node's state machine as it is.
 *
 * <p>Outcomes (Jepsen's): a read that fails or times out is {@code fail}, since it changed nothing;
 * a write or cas whose fate is unknown is {@code info}; a cas whose compare failed is {@code fail}.
 *
 * <p>Bounds: each request times out after {@link #REQUEST_TIMEOUT_MS}, longer than the longest pause
 * (3 s) so that a read queued at a paused node is served when it resumes; retries a fixed pause
 * apart ({@link RatisOptions#clientRetryMs}, 500 ms by default) for {@link #RETRY_BUDGET_MS} in all
 * (Ratis' default retries forever); and the whole op has {@link #OP_DEADLINE_MS}, after which this
 * client's Ratis client is replaced.
 *
 * <p>Values: a write's value is a long or a string (a text value, for the benchmark's 100-byte
 * writes); a cas compares and sets longs.
 */
final class RatisClient implements io.faultline.sut.Client {
  static final long REQUEST_TIMEOUT_MS = 5_000;
  /** Retries of one request, all pauses together: 10 retries at the default 500 ms pace. */
  static final long RETRY_BUDGET_MS = 5_000;
  static final long OP_DEADLINE_MS = 12_000;
  /**
   * Planted bug {@code ratis.blind-retry}: how long the first cas attempt may take before it is sent
   * anew; each further attempt waits twice as long as the one before.
   */
  static final long BLIND_RETRY_TIMEOUT_MS = 150;
  /** Planted bug {@code ratis.blind-retry}: attempts per cas, the first included (0.15 + 0.3 + 0.6 s at most). */
  static final int BLIND_RETRY_ATTEMPTS_MAX = 3;

  private final RaftGroup group;
  private final RaftPeerId bound;
  private final boolean staleRead;
  private final boolean blindRetry;
  private final long retrySleepMs;
  private final Object lifecycle = new Object();
  private RaftClient raft;
  private ExecutorService caller;
  private boolean closed;

  RatisClient(RaftGroup group, RaftPeerId bound, boolean staleRead, boolean blindRetry, long retrySleepMs) {
    if (retrySleepMs < 1) throw new IllegalArgumentException("retrySleepMs must be positive, got " + retrySleepMs);
    this.retrySleepMs = retrySleepMs;
    this.group = group;
    this.bound = bound;
    this.staleRead = staleRead;
    this.blindRetry = blindRetry;
    renew();
  }

  /** A fresh Ratis client and caller thread; the old ones may still be stuck in a request. */
  private void renew() {
    synchronized (lifecycle) {
      if (closed) return;
      RaftProperties props = new RaftProperties();
      RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS));
      raft = RaftClient.newBuilder()
          .setProperties(props)
          .setRaftGroup(group)
          .setLeaderId(bound)
          .setRetryPolicy(retryPolicy())
          .build();
      caller = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "ratis-client-" + bound);
        thread.setDaemon(true);
        return thread;
      });
    }
  }

  private RetryPolicy retryPolicy() {
    int retries = (int) Math.max(1, RETRY_BUDGET_MS / retrySleepMs);
    return RetryPolicies.retryUpToMaximumCountWithFixedSleep(retries, TimeDuration.valueOf(retrySleepMs, TimeUnit.MILLISECONDS));
  }

  @Override
  public synchronized Op invoke(Op op) {
    String key = String.valueOf(op.key());
    String command;
    try {
      switch (op.f()) {
        case "read":
          command = KvCommand.read(key);
          break;
        case "write":
          command = op.value() instanceof String ? KvCommand.writeText((String) op.value(), key)
              : KvCommand.write(asLong(op.value(), "write value"), key);
          break;
        case "cas":
          List<?> pair = op.value() instanceof List ? (List<?>) op.value() : List.of();
          if (pair.size() != 2) return op.fail("cas value must be [old, new], got " + op.value());
          command = KvCommand.cas(asLong(pair.get(0), "cas old"), asLong(pair.get(1), "cas new"), key);
          break;
        default:
          return op.fail("ratis client has no f " + op.f());
      }
    } catch (IllegalArgumentException e) {
      return op.fail(e.getMessage());
    }
    boolean isRead = op.f().equals("read");
    String result;
    try {
      result = blindRetry && op.f().equals("cas") ? callBlindly(Message.valueOf(command)) : call(isRead, Message.valueOf(command));
    } catch (IOException | RuntimeException e) {
      String why = describe(e);
      return isRead ? op.fail(why) : op.info(why);
    }
    try {
      switch (op.f()) {
        case "read":
          return op.ok(KvCommand.parseValue(result));
        case "write":
          return KvCommand.OK.equals(result) ? op.ok(op.value()) : op.info("unexpected result " + result);
        default:
          if (KvCommand.OK.equals(result)) return op.ok(op.value());
          if (KvCommand.FAIL.equals(result)) return op.fail("compare failed");
          return op.info("unexpected result " + result);
      }
    } catch (RuntimeException e) {
      return isRead ? op.fail("unexpected result " + result) : op.info("unexpected result " + result);
    }
  }

  private String call(boolean isRead, Message message) throws IOException {
    RaftClient client;
    ExecutorService thread;
    synchronized (lifecycle) {
      if (closed) throw new IOException("client is closed");
      client = raft;
      thread = caller;
    }
    Future<RaftClientReply> future = thread.submit(() -> {
      if (!isRead) return client.io().send(message);
      if (staleRead) return client.io().sendStaleRead(message, 0, bound);
      return client.io().sendReadOnly(message, bound);
    });
    RaftClientReply reply;
    try {
      reply = future.get(OP_DEADLINE_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      discard(client, thread);
      renew();
      throw new IOException("timeout after " + OP_DEADLINE_MS + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException) throw (IOException) cause;
      throw new IOException(cause);
    }
    if (reply == null) throw new IOException("no reply");
    if (!reply.isSuccess()) {
      throw reply.getException() != null ? reply.getException() : new IOException("unsuccessful reply " + reply);
    }
    return reply.getMessage().getContent().toStringUtf8();
  }

  /**
   * The planted bug {@code ratis.blind-retry}: each attempt is a new Ratis client (a new client id,
   * so a new call in Ratis' retry cache); an attempt that has no reply within its timeout
   * ({@link #BLIND_RETRY_TIMEOUT_MS}, doubling) is abandoned, not cancelled, and the command sent again.
   * The first reply that comes back is the op's result.
   */
  private String callBlindly(Message message) throws IOException {
    List<RaftClient> attempts = new java.util.ArrayList<>();
    ExecutorService senders = Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "ratis-blind-retry-" + bound);
      thread.setDaemon(true);
      return thread;
    });
    try {
      IOException last = null;
      for (int attempt = 0; attempt < BLIND_RETRY_ATTEMPTS_MAX; attempt++) {
        RaftProperties props = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS));
        RaftClient fresh = RaftClient.newBuilder().setProperties(props).setRaftGroup(group).setLeaderId(bound)
            .setRetryPolicy(retryPolicy())
            .build();
        attempts.add(fresh);
        Future<RaftClientReply> future = senders.submit(() -> fresh.io().send(message));
        try {
          RaftClientReply reply = future.get(BLIND_RETRY_TIMEOUT_MS << attempt, TimeUnit.MILLISECONDS);
          if (reply != null && reply.isSuccess()) return reply.getMessage().getContent().toStringUtf8();
          last = reply == null || reply.getException() == null ? new IOException("unsuccessful reply " + reply) : reply.getException();
        } catch (TimeoutException e) {
          last = new IOException("attempt " + (attempt + 1) + " timed out after " + (BLIND_RETRY_TIMEOUT_MS << attempt) + " ms");
        } catch (ExecutionException e) {
          last = e.getCause() instanceof IOException ? (IOException) e.getCause() : new IOException(e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", e);
        }
      }
      throw last;
    } finally {
      senders.shutdownNow();
      for (RaftClient attempt : attempts) {
        try {
          attempt.close();
        } catch (IOException e) {
          // An abandoned attempt: nothing to save.
        }
      }
    }
  }

  private static long asLong(Object value, String what) {
    if (value instanceof Long || value instanceof Integer || value instanceof Short) return ((Number) value).longValue();
    throw new IllegalArgumentException(what + " must be an integer, got " + value);
  }

  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root && root.getMessage() == null) root = root.getCause();
    String message = root.getMessage();
    if (message != null && message.length() > 200) message = message.substring(0, 200) + "...";
    return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private static void discard(RaftClient client, ExecutorService thread) {
    thread.shutdownNow();
    try {
      client.close();
    } catch (IOException e) {
      // Closing a client whose requests are dead: nothing to save.
    }
  }

  /** Closes at once, even while an op is in flight: that op completes as fail (read) or info. */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) return;
      closed = true;
      discard(raft, caller);
    }
  }
}
