/**
 * A durable journal of queued writes, so that they survive a crash of the application.
 */
package io.github.agentmemory.redis.recovery.journal;
