// Encore's page navigation. Pages are rendered on the server and only their islands run in
// the browser, so this script gives links and forms what a client-side router would: it
// fetches the next page and swaps its <body> in, so the page never reloads and the wasm
// module stays loaded. (Leptos's islands router patches pages with a DOM diff instead,
// which keeps attributes the new page dropped and mismatches lists whose length changed;
// Encore's pages are small, and swapping the whole body has neither problem.)
//
// Anything this script does not handle (other origins, downloads, modified clicks, a
// failed fetch, a response that is not a page) is left to the browser.
(() => {
	// The newest navigation; the response of an older one is dropped.
	let newest = 0;
	// The address (less any fragment) of the page on screen.
	let shown = location.pathname + location.search;

	addEventListener("click", (event) => {
		if (event.defaultPrevented || event.button !== 0) return;
		if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
		const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
		if (!(link instanceof HTMLAnchorElement) || link.target || link.hasAttribute("download")) return;
		const url = new URL(link.href);
		if (url.origin !== location.origin) return;
		// A link to a fragment of this page only scrolls; the browser does that.
		if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
		event.preventDefault();
		navigate(new Request(url), { push: true, top: true }, () => location.assign(url));
	});

	addEventListener("submit", (event) => {
		const form = event.target;
		if (event.defaultPrevented || form.dataset.nativeSubmit) return;
		const submitter = event.submitter;
		// Attributes, not the form's properties: a field named "action" or "method" (the
		// bulk-tag form has one) shadows the property of that name.
		const method = (submitter?.getAttribute("formmethod") || form.getAttribute("method") || "GET").toUpperCase();
		const action = new URL(submitter?.getAttribute("formaction") || form.getAttribute("action") || location.href, location.href);
		if (action.origin !== location.origin || (method !== "GET" && method !== "POST")) return;
		event.preventDefault();
		// A second click while the first submission is on its way does nothing.
		if (form.getAttribute("aria-busy") === "true") return;
		const data = new FormData(form, submitter);
		let request;
		if (method === "GET") {
			// Blank fields stay out of the URL, so a filtered list's link carries only the
			// filters in use (to the server, a blank value means "no filter" anyway).
			const query = new URLSearchParams();
			for (const [key, value] of data) if (value.trim() !== "") query.append(key, value);
			action.search = query.toString();
			request = new Request(action);
		} else {
			const body = form.getAttribute("enctype") === "multipart/form-data" ? data : new URLSearchParams(data);
			// Asking for HTML makes a server function answer a form as the browser would
			// see it: with a redirect to the page that shows the outcome.
			request = new Request(action, { method, body, headers: { Accept: "text/html" } });
		}
		// The form is busy (style/tailwind.css shows it) until the next page is in.
		form.setAttribute("aria-busy", "true");
		if (submitter) submitter.disabled = true;
		const idle = () => {
			form.removeAttribute("aria-busy");
			if (submitter) submitter.disabled = false;
		};
		navigate(request, { push: true, top: false }, () => {
			idle();
			form.dataset.nativeSubmit = "true";
			form.requestSubmit(submitter);
		}).then(idle);
	});

	// Back and forward: the page at that address, where it was scrolled to.
	addEventListener("popstate", (event) => {
		// Following a link to a fragment of this page (the skip link) is a history entry
		// too: the browser scrolls and moves the focus, and the page stays.
		if (location.pathname + location.search === shown) return;
		const scroll = event.state?.scroll;
		navigate(new Request(location.href), { push: false, top: false, scroll }, () => location.reload());
	});

	async function navigate(request, { push, top, scroll }, fallback) {
		const id = ++newest;
		let response;
		let html;
		try {
			response = await fetch(request);
			const type = response.headers.get("content-type") || "";
			if (!type.startsWith("text/html")) return fallback();
			html = await response.text();
		} catch (error) {
			console.error(error);
			return fallback();
		}
		if (id !== newest) return;

		const from = location.pathname;
		const page = new DOMParser().parseFromString(html, "text/html");
		// Where the page being left was scrolled to, for coming back to it.
		if (push) history.replaceState({ scroll: scrollY }, "");
		document.title = page.title;
		document.body.replaceWith(document.adoptNode(page.body));

		// A form's post answers with a redirect to the page to show; a post that did not
		// redirect keeps the address it was made from.
		const url = response.redirected || request.method === "GET" ? response.url : location.href;
		if (push && url !== location.href) history.pushState(null, "", url);
		shown = location.pathname + location.search;
		if (scroll !== undefined) scrollTo(0, scroll);
		else if (top) scrollTo(0, 0);
		// Focus goes where a reader of the new page starts: a form that came back with
		// errors at its first invalid field, another page at its heading (which a screen
		// reader then announces), the same page where it was.
		const invalid = document.querySelector('[aria-invalid="true"]');
		const heading = document.querySelector("main h1");
		if (invalid) {
			invalid.focus();
		} else if (heading && new URL(url).pathname !== from) {
			heading.tabIndex = -1;
			heading.focus({ preventScroll: true });
		}

		// The new page's islands. While the wasm is still loading there is nothing to call;
		// src/islands.js then hydrates the page once it is in.
		for (const island of document.querySelectorAll("leptos-island")) {
			Promise.resolve()
				.then(() => window.__hydrateIsland?.(island, island.dataset.component))
				.catch((error) => console.error(error));
		}
	}
})();
