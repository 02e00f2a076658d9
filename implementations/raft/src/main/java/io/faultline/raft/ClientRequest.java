package io.faultline.raft;

/** A client's request to a node; READ goes through ReadIndex (or the lease), the others through the log. */
public record ClientRequest(long requestId, Command command) implements Wire {}
