package io.github.agentmemory.redis.resilience;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;

import org.springframework.dao.InvalidDataAccessApiUsageException;
import org.springframework.dao.PermissionDeniedDataAccessException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.data.redis.RedisConnectionFailureException;

/**
 * Decides the {@link RedisFault} of an error from Lettuce, from Spring Data Redis or from
 * this library. The error prefix of a Redis reply, wherever it sits in the cause chain,
 * takes precedence (so a connection failure caused by {@code WRONGPASS} is
 * {@link RedisFault#PERMANENT}); otherwise the outermost recognised exception type
 * decides. Unknown errors are {@link RedisFault#PERMANENT}: retrying what is not
 * understood is how writes get applied twice.
 *
 * @author agent-memory-redis
 */
public class RedisFaultClassifier {

	/**
	 * Classify an error.
	 * @param error the error, possibly wrapped in a {@link CompletionException}
	 * @return its kind
	 */
	public RedisFault classify(Throwable error) {
		RedisFault byReply = classifyReply(error);
		if (byReply != null) {
			return byReply;
		}
		for (Throwable current = unwrap(error); current != null; current = next(current)) {
			RedisFault byType = classifyType(current);
			if (byType != null) {
				return byType;
			}
		}
		return RedisFault.PERMANENT;
	}

	/**
	 * The Redis error reply in the cause chain, such as {@code WRONGTYPE Operation
	 * against a key holding the wrong kind of value}.
	 * @param error the error
	 * @return the reply, or {@code null} if Redis did not reply with an error
	 */
	public static String findErrorReply(Throwable error) {
		for (Throwable current = error; current != null; current = next(current)) {
			if (current instanceof RedisCommandExecutionException && current.getMessage() != null) {
				return current.getMessage();
			}
		}
		return null;
	}

	/**
	 * Whether a Redis error reply refuses the credentials or the user's permissions
	 * ({@code NOAUTH}, {@code WRONGPASS}, {@code NOPERM}).
	 * @param reply the error reply
	 * @return whether access was denied
	 */
	public static boolean isAccessDenied(String reply) {
		return reply.startsWith("NOAUTH") || reply.startsWith("WRONGPASS") || reply.startsWith("NOPERM");
	}

	/**
	 * Whether the error is the open circuit rejecting a call (nothing was sent).
	 * @param error the error
	 * @return whether it is a rejection
	 */
	public static boolean isRejection(Throwable error) {
		for (Throwable current = error; current != null; current = next(current)) {
			if (current instanceof RedisCircuitOpenException) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether the error says that the command provably never left the client: rejected by
	 * the open circuit, refused by Lettuce while disconnected or with a full request
	 * queue, or no connection could be made. Such a write may be retried or queued even if
	 * it is not idempotent: Redis cannot have applied it.
	 * @param error the error
	 * @return whether the command was never sent
	 */
	public static boolean isNeverSent(Throwable error) {
		for (Throwable current = error; current != null; current = next(current)) {
			if (current instanceof RedisCircuitOpenException || current instanceof RedisConnectionException
					|| current instanceof java.net.ConnectException) {
				return true;
			}
			String message = current.getMessage();
			if (message != null && (current instanceof RedisException
					|| current instanceof RedisConnectionFailureException)
					&& (message.startsWith("Currently not connected") || message.contains("Request queue size exceeded")
							|| message.startsWith("Connection is closed") || message.startsWith("Not connected to Redis")
							|| message.startsWith("Could not connect to Redis")
							|| message.startsWith("Redis template is closed")
							|| message.startsWith("Redis refused to reconnect"))) {
				return true;
			}
		}
		return false;
	}

	static Throwable unwrap(Throwable error) {
		Throwable current = error;
		while ((current instanceof CompletionException || current instanceof ExecutionException)
				&& current.getCause() != null) {
			current = current.getCause();
		}
		return current;
	}

	private static Throwable next(Throwable current) {
		Throwable cause = current.getCause();
		return (cause != current) ? cause : null;
	}

	private RedisFault classifyReply(Throwable error) {
		String reply = findErrorReply(error);
		return (reply != null) ? classifyReply(reply) : null;
	}

	/**
	 * Classify a Redis error reply by its prefix ({@code OOM} and {@code MISCONF}, which
	 * refuse writes but serve reads, are {@link RedisFault#RESOURCE_EXHAUSTED}).
	 * @param reply the error reply
	 * @return its kind
	 */
	public RedisFault classifyReply(String reply) {
		if (reply.contains("max number of clients reached")) {
			// the server is full of connections now; a later attempt can succeed
			return RedisFault.TRANSIENT;
		}
		String prefix = prefix(reply);
		return switch (prefix) {
			case "LOADING", "BUSY", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "READONLY", "MOVED", "ASK",
					"NOREPLICAS" ->
				RedisFault.TRANSIENT;
			case "OOM", "MISCONF" -> RedisFault.RESOURCE_EXHAUSTED;
			default -> RedisFault.PERMANENT;
		};
	}

	private static String prefix(String reply) {
		int space = reply.indexOf(' ');
		return ((space < 0) ? reply : reply.substring(0, space)).toUpperCase(Locale.ROOT);
	}

	private RedisFault classifyType(Throwable error) {
		if (error instanceof RedisCircuitOpenException) {
			return RedisFault.TRANSIENT;
		}
		if (error instanceof InvalidDataAccessApiUsageException || error instanceof IllegalArgumentException
				|| error instanceof NullPointerException) {
			return RedisFault.INVALID_USAGE;
		}
		if (error instanceof PermissionDeniedDataAccessException) {
			return RedisFault.PERMANENT;
		}
		if (error instanceof RedisCommandTimeoutException || error instanceof RedisConnectionException
				|| error instanceof RedisCommandInterruptedException || error instanceof IOException
				|| error instanceof TimeoutException || error instanceof RedisConnectionFailureException
				|| error instanceof QueryTimeoutException || error instanceof TransientDataAccessException) {
			return RedisFault.TRANSIENT;
		}
		if (error instanceof RedisException && isConnectionStateMessage(error.getMessage())) {
			return RedisFault.TRANSIENT;
		}
		return null;
	}

	private static boolean isConnectionStateMessage(String message) {
		if (message == null) {
			return false;
		}
		// Lettuce's words for a command that never reached a live connection, or whose connection
		// dropped before it was answered ("Connection disconnected": DefaultEndpoint cancelling what it
		// holds when the channel goes inactive; it may have been sent, so it is not isNeverSent)
		return message.startsWith("Currently not connected") || message.startsWith("Connection closed")
				|| message.startsWith("Connection disconnected")
				|| message.startsWith("Connection is closed") || message.contains("Request queue size exceeded")
				|| message.contains("Connection reset") || message.startsWith("Command interrupted");
	}

}
