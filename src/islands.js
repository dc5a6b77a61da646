// The islands' start-up, called by the module script src/app.rs writes (`IslandScripts`)
// with the paths of the JS glue and the wasm that the page also preloads. It does what the
// script Leptos's <HydrationScripts islands> writes does (leptos 0.8's island_script.js,
// MIT): once the page is idle, load the wasm, call `hydrate()` (src/lib.rs), then hydrate
// each leptos-island element with its component's function. Pages swapped in later are
// hydrated by src/navigation.js through `window.__hydrateIsland`.
((modulePath, wasmPath) => {
	// The `on_hydrate` callbacks of the islands' <leptos-children> being walked.
	const childrenCallbacks = [];

	async function hydrateIsland(element, id, mod) {
		const island = mod[id];
		if (!island) {
			console.warn(`Could not find WASM function for the island ${id}.`);
			return;
		}
		childrenCallbacks.at(-1)?.();
		await island(element);
	}

	async function hydrateIslands(node, mod) {
		if (node.nodeType !== Node.ELEMENT_NODE) return;
		const tag = node.tagName.toLowerCase();
		if (tag === "leptos-island") await hydrateIsland(node, node.dataset.component || null, mod);
		if (tag === "leptos-children") childrenCallbacks.push(node.$$on_hydrate);
		for (const child of node.children) await hydrateIslands(child, mod);
		if (tag === "leptos-children") childrenCallbacks.pop();
	}

	const idle = window.requestIdleCallback ?? ((callback) => callback());
	idle(async () => {
		const mod = await import(modulePath);
		await mod.default({ module_or_path: wasmPath });
		mod.hydrate();
		// From here on, a page navigation.js swaps in has its islands hydrated by it.
		window.__hydrateIsland = (element, id) => hydrateIsland(element, id, mod);
		await hydrateIslands(document.body, mod);
	});
})
