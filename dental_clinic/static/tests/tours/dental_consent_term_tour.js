/** @odoo-module */

import { waitUntil } from "@odoo/hoot-dom";
import { registry } from "@web/core/registry";

// On a tablet (1024×768), the patient reads the consent term and signs it on the screen; the dentist then
// signs it, which seals it.
registry.category("web_tour.tours").add("dental_consent_term_sign", {
    steps: () => [
        {
            content: "The term shows its filled text",
            trigger: ".o_form_view div[name='body'] textarea:value(Paciente Termo Tour)",
        },
        {
            content: "The dentist cannot sign before the patient",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button.o_dental_sign_term))",
        },
        {
            content: "The patient taps the signature box",
            trigger: ".o_form_view div[name='patient_signature'] .o_signature",
            run: "click",
        },
        {
            content: "The signature dialog is prefilled with the patient's name (automatic mode)",
            trigger: ".modal .o_web_sign_auto_button.active",
        },
        {
            content: "The signature is drawn on the canvas",
            trigger: ".modal canvas.o_web_sign_signature",
            async run(helpers) {
                await waitUntil(() => {
                    const canvas = helpers.anchor;
                    const context = canvas.getContext("2d");
                    const imageData = context.getImageData(0, 0, canvas.width, canvas.height);
                    return new Uint32Array(imageData.data.buffer).some((pixel) => pixel !== 0);
                });
            },
        },
        {
            content: "The patient adopts the signature",
            trigger: ".modal .modal-footer button.btn-primary:enabled",
            run: "click",
        },
        {
            content: "The signature shows on the term",
            trigger: ".o_form_view div[name='patient_signature'] img.o_signature",
        },
        {
            content: "The dentist signs the term",
            trigger: ".o_form_view button.o_dental_sign_term",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The term is signed and sealed",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Signed)",
        },
    ],
});
