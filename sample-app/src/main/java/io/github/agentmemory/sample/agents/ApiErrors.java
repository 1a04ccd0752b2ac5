package io.github.agentmemory.sample.agents;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletionException;

import io.github.agentmemory.redis.command.Priority;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.InvalidDataAccessApiUsageException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Clear answers for bad input (400) and for an unavailable Redis (503).
 */
@RestControllerAdvice
class ApiErrors {

	@ExceptionHandler(HttpMessageNotReadableException.class)
	ResponseEntity<Map<String, String>> unreadable(HttpMessageNotReadableException ex) {
		return error(HttpStatus.BAD_REQUEST, "Malformed request body: expected a JSON object of string fields");
	}

	@ExceptionHandler(MethodArgumentTypeMismatchException.class)
	ResponseEntity<Map<String, String>> mismatch(MethodArgumentTypeMismatchException ex) {
		if (ex.getRequiredType() == Priority.class) {
			return error(HttpStatus.BAD_REQUEST, "Unknown priority '" + ex.getValue() + "': use one of "
					+ Arrays.toString(Priority.values()));
		}
		return error(HttpStatus.BAD_REQUEST, "Invalid value '" + ex.getValue() + "' for '" + ex.getName() + "'");
	}

	@ExceptionHandler({ IllegalArgumentException.class, InvalidDataAccessApiUsageException.class })
	ResponseEntity<Map<String, String>> badInput(RuntimeException ex) {
		return error(HttpStatus.BAD_REQUEST, ex.getMessage());
	}

	@ExceptionHandler(RedisConnectionFailureException.class)
	ResponseEntity<Map<String, String>> unavailable(RedisConnectionFailureException ex) {
		return error(HttpStatus.SERVICE_UNAVAILABLE, "Redis is unavailable: " + ex.getMessage());
	}

	@ExceptionHandler(DataAccessException.class)
	ResponseEntity<Map<String, String>> redisError(DataAccessException ex) {
		return error(HttpStatus.BAD_GATEWAY, ex.getMessage());
	}

	@ExceptionHandler(CompletionException.class)
	ResponseEntity<Map<String, String>> completion(CompletionException ex) throws Throwable {
		Throwable cause = ex.getCause();
		if (cause instanceof RedisConnectionFailureException failure) {
			return unavailable(failure);
		}
		if (cause instanceof IllegalArgumentException || cause instanceof InvalidDataAccessApiUsageException) {
			return badInput((RuntimeException) cause);
		}
		if (cause instanceof DataAccessException dataAccess) {
			return redisError(dataAccess);
		}
		throw (cause != null) ? cause : ex;
	}

	private static ResponseEntity<Map<String, String>> error(HttpStatus status, String message) {
		return ResponseEntity.status(status).body(Map.of("error", String.valueOf(message)));
	}

}
