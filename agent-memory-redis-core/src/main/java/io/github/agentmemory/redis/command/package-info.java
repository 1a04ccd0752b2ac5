/**
 * Value types of the template: writes as data, their options, priorities and outcomes.
 */
package io.github.agentmemory.redis.command;
