package io.github.agentmemory.sample.security;

import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * The requests the end-to-end tests send to the running sample app, with the body of
 * each answer as a string.
 */
final class AgentRequests {

	private final TestRestTemplate http;

	/**
	 * Requests sent with the test's client.
	 * @param http the client of the app on its random port
	 */
	AgentRequests(TestRestTemplate http) {
		this.http = http;
	}

	/**
	 * {@code GET} a path of the app.
	 * @param url the path
	 * @return the answer
	 */
	ResponseEntity<String> get(String url) {
		return this.http.getForEntity(url, String.class);
	}

	/**
	 * {@code PUT} the state of an agent.
	 * @param agent the agent's id
	 * @param json the state, as JSON
	 * @return the answer
	 */
	ResponseEntity<String> putState(String agent, String json) {
		HttpHeaders headers = new HttpHeaders();
		headers.setContentType(MediaType.APPLICATION_JSON);
		return this.http.exchange("/agents/" + agent + "/state", HttpMethod.PUT, new HttpEntity<>(json, headers),
				String.class);
	}

}
