/** @odoo-module */
// Pure drawing helpers of the odontogram: FDI layout, tooth silhouettes and the five-surface diagram.

export const UPPER_PERMANENT = [18, 17, 16, 15, 14, 13, 12, 11, 21, 22, 23, 24, 25, 26, 27, 28];
export const LOWER_PERMANENT = [48, 47, 46, 45, 44, 43, 42, 41, 31, 32, 33, 34, 35, 36, 37, 38];
export const UPPER_DECIDUOUS = [55, 54, 53, 52, 51, 61, 62, 63, 64, 65];
export const LOWER_DECIDUOUS = [85, 84, 83, 82, 81, 71, 72, 73, 74, 75];

const OUTER_R = 16;
const INNER_R = 6.5;
export const DIAGRAM = { cx: 22, upperCy: 74, lowerCy: 22 };

export function quadrant(tooth) {
    return Math.floor(tooth / 10);
}

export function isUpper(tooth) {
    return [1, 2, 5, 6].includes(quadrant(tooth));
}

export function isDeciduous(tooth) {
    return quadrant(tooth) >= 5;
}

/** Which surface each part of the diagram shows: mesial faces the midline of the chart. */
export function surfaceLayout(tooth) {
    const upper = isUpper(tooth);
    const rightSide = [1, 4, 5, 8].includes(quadrant(tooth)); // patient's right, drawn on the left
    return {
        top: upper ? "V" : "L",
        bottom: upper ? "L" : "V",
        left: rightSide ? "D" : "M",
        right: rightSide ? "M" : "D",
        center: "O",
    };
}

function polar(cx, cy, r, degrees) {
    const rad = (degrees * Math.PI) / 180;
    return [(cx + r * Math.cos(rad)).toFixed(2), (cy + r * Math.sin(rad)).toFixed(2)];
}

function ringSegment(cx, cy, a0, a1) {
    const [ox0, oy0] = polar(cx, cy, OUTER_R, a0);
    const [ox1, oy1] = polar(cx, cy, OUTER_R, a1);
    const [ix1, iy1] = polar(cx, cy, INNER_R, a1);
    const [ix0, iy0] = polar(cx, cy, INNER_R, a0);
    return (
        `M${ox0} ${oy0} A${OUTER_R} ${OUTER_R} 0 0 1 ${ox1} ${oy1} ` +
        `L${ix1} ${iy1} A${INNER_R} ${INNER_R} 0 0 0 ${ix0} ${iy0} Z`
    );
}

/** The five surface shapes of a tooth, each with its surface code. */
export function surfaceShapes(tooth) {
    const layout = surfaceLayout(tooth);
    const cx = DIAGRAM.cx;
    const cy = isUpper(tooth) ? DIAGRAM.upperCy : DIAGRAM.lowerCy;
    return [
        { position: "top", code: layout.top, d: ringSegment(cx, cy, 225, 315) },
        { position: "right", code: layout.right, d: ringSegment(cx, cy, 315, 405) },
        { position: "bottom", code: layout.bottom, d: ringSegment(cx, cy, 45, 135) },
        { position: "left", code: layout.left, d: ringSegment(cx, cy, 135, 225) },
        {
            position: "center",
            code: layout.center,
            d:
                `M${cx - INNER_R} ${cy} A${INNER_R} ${INNER_R} 0 1 0 ${cx + INNER_R} ${cy} ` +
                `A${INNER_R} ${INNER_R} 0 1 0 ${cx - INNER_R} ${cy} Z`,
        },
    ];
}

export function diagramCenter(tooth) {
    return { cx: DIAGRAM.cx, cy: isUpper(tooth) ? DIAGRAM.upperCy : DIAGRAM.lowerCy, r: OUTER_R };
}

/** Crown width and roots of a tooth type, drawn upper-style (roots up) in a 44 x 50 box. */
function anatomy(tooth) {
    const position = tooth % 10;
    const deciduous = isDeciduous(tooth);
    const upper = isUpper(tooth);
    if (position <= 2) {
        return { width: position === 1 && upper ? 17 : 14, roots: [{ x: 22, apex: 6 }] };
    }
    if (position === 3) {
        return { width: 16, roots: [{ x: 22, apex: 1 }] };
    }
    if (!deciduous && position <= 5) {
        const roots = upper && position === 4 ? [{ x: 18.5, apex: 8 }, { x: 25.5, apex: 8 }] : [{ x: 22, apex: 5 }];
        return { width: 18, roots };
    }
    // Molars: three roots above, two below; wisdom teeth a little smaller.
    const width = position === 8 ? 23 : deciduous ? 22 : 26;
    const half = width / 2 - 4;
    const roots = upper
        ? [{ x: 22 - half, apex: 9 }, { x: 22, apex: 6 }, { x: 22 + half, apex: 9 }]
        : [{ x: 22 - half, apex: 7 }, { x: 22 + half, apex: 7 }];
    return { width, roots };
}

/** SVG paths of the crown and roots; lower teeth are mirrored vertically below the diagram. */
export function silhouette(tooth) {
    const { width, roots } = anatomy(tooth);
    const x0 = 22 - width / 2;
    const x1 = 22 + width / 2;
    const neck = 30;
    const crown =
        `M${x0 + 1} ${neck} L${x1 - 1} ${neck} C${x1 + 1.5} ${neck + 6} ${x1 + 0.5} ${neck + 14} ${x1 - 2} ${neck + 17} ` +
        `Q22 ${neck + 20} ${x0 + 2} ${neck + 17} C${x0 - 0.5} ${neck + 14} ${x0 - 1.5} ${neck + 6} ${x0 + 1} ${neck} Z`;
    const rootWidth = Math.min(9, (width - 2) / roots.length + 1.5);
    const rootPaths = roots.map(({ x, apex }) => {
        const b0 = x - rootWidth / 2;
        const b1 = x + rootWidth / 2;
        return `M${b0} ${neck + 1} C${b0} ${neck - 12} ${x - 2} ${apex + 6} ${x} ${apex} C${x + 2} ${apex + 6} ${b1} ${neck - 12} ${b1} ${neck + 1} Z`;
    });
    const canals = roots.map(({ x, apex }) => `M${x} ${apex + 4} L${x} ${neck + 6}`);
    const implant = `M17 ${neck} L27 ${neck} L25 5 L22 1 L19 5 Z`;
    const threads = [8, 13, 18, 23, 28].map((y) => `M${18 + (30 - y) / 12} ${y} L${26 - (30 - y) / 12} ${y - 2}`);
    const fracture = `M${x0 + 1} ${neck + 9} L${x0 + width * 0.35} ${neck + 5} L${x0 + width * 0.55} ${neck + 11} L${x1 - 1} ${neck + 6}`;
    // Lower teeth: flip around the silhouette's own box, then place it under the diagram.
    const transform = isUpper(tooth) ? "translate(0 1)" : "translate(0 95) scale(1 -1)";
    return { crown, roots: rootPaths, canals, implant, threads, fracture, transform };
}
