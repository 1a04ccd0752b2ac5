package io.github.agentmemory.redis.security;

import java.io.PrintWriter;
import java.io.StringWriter;

import io.github.agentmemory.redis.test.RedisServerExtension;

/**
 * What the server saw, from {@code INFO commandstats}, and what an error prints.
 */
final class RedisStats {

	private RedisStats() {
	}

	/**
	 * How often a command reached the server: executed ({@code calls}, failed ones
	 * included) or refused before running ({@code rejected_calls}, such as a
	 * {@code NOPERM}).
	 * @param redis the server
	 * @param command the command, lower case
	 * @return the attempts since the last {@code CONFIG RESETSTAT}
	 */
	static long attempts(RedisServerExtension redis, String command) {
		return stat(redis, command, "calls") + stat(redis, command, "rejected_calls");
	}

	/**
	 * Authentication attempts: Lettuce authenticates with {@code HELLO 3 AUTH user pass},
	 * or with {@code AUTH} where {@code HELLO} is not available.
	 * @param redis the server
	 * @return {@code HELLO} and {@code AUTH} attempts
	 */
	static long authAttempts(RedisServerExtension redis) {
		return attempts(redis, "hello") + attempts(redis, "auth");
	}

	/**
	 * Failed executions of a command (such as a {@code HELLO} refused with
	 * {@code WRONGPASS}).
	 * @param redis the server
	 * @param command the command, lower case
	 * @return the failed calls
	 */
	static long failedCalls(RedisServerExtension redis, String command) {
		return stat(redis, command, "failed_calls");
	}

	private static long stat(RedisServerExtension redis, String command, String field) {
		String stats = redis.admin().info("commandstats");
		for (String line : stats.split("\r?\n")) {
			if (line.startsWith("cmdstat_" + command + ":")) {
				for (String entry : line.substring(line.indexOf(':') + 1).split(",")) {
					if (entry.startsWith(field + "=")) {
						return Long.parseLong(entry.substring(field.length() + 1));
					}
				}
			}
		}
		return 0;
	}

	/**
	 * An error as a log would print it: messages, causes and stack traces.
	 * @param error the error
	 * @return the printed error
	 */
	static String printed(Throwable error) {
		StringWriter text = new StringWriter();
		error.printStackTrace(new PrintWriter(text));
		return text.toString();
	}

}
