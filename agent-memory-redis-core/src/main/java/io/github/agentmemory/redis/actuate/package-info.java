/**
 * Health and metrics of the resilient Redis template, read from memory.
 */
package io.github.agentmemory.redis.actuate;
