// Drag-to-zoom on the workbench's SVG line charts (Features/Charts/LineChart.razor). The chart is drawn on the
// server; this only turns a drag across the plot into two x positions in the SVG's own units and hands them to the
// chart's ZoomToPixels, which picks the range and redraws. The band shown while dragging is the chart's own element.
export function attachZoom(svg, chart) {
    if (!svg || svg.__sensoriumZoom) return;
    svg.__sensoriumZoom = true;
    let start = null;
    const band = () => svg.querySelector('.chart-zoom-band');
    const left = () => parseFloat(svg.dataset.plotLeft);
    const right = () => parseFloat(svg.dataset.plotRight);
    const toX = e => {
        const matrix = svg.getScreenCTM();
        if (!matrix) return NaN;
        const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(matrix.inverse());
        return Math.min(right(), Math.max(left(), p.x));
    };
    const show = (a, b) => {
        const r = band();
        if (!r) return;
        r.setAttribute('x', Math.min(a, b));
        r.setAttribute('width', Math.abs(b - a));
        r.setAttribute('visibility', 'visible');
    };
    const hide = () => band()?.setAttribute('visibility', 'hidden');
    svg.addEventListener('pointerdown', e => {
        if (e.button !== 0) return;
        const x = toX(e);
        if (Number.isNaN(x)) return;
        start = x;
        show(x, x);
        svg.setPointerCapture(e.pointerId);
        e.preventDefault();
    });
    svg.addEventListener('pointermove', e => {
        if (start !== null) show(start, toX(e));
    });
    svg.addEventListener('pointerup', e => {
        if (start === null) return;
        const from = start, to = toX(e);
        start = null;
        hide();
        if (Math.abs(to - from) >= 3) chart.invokeMethodAsync('ZoomToPixels', from, to);
    });
    svg.addEventListener('pointercancel', () => { start = null; hide(); });
}
