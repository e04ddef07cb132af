/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * After finishing a visit, the dentist issues a two-line prescription from the
 * clinic's catalogue and a two-day certificate, signing and printing each one:
 * nine clicks from the visit's form. The PDF downloads are caught (the test
 * server serves one request at a time and could not answer wkhtmltopdf): each
 * report asked for is recorded on the page, and the tour checks it.
 */
function catchReportDownloads() {
    const { download } = odoo.loader.modules.get("@web/core/network/download");
    window.dentalReports = [];
    download._download = async (options) => {
        const [url] = JSON.parse(options.data.data);
        window.dentalReports.push(url);
        document.body.dataset.dentalReports = window.dentalReports.join(" ");
    };
}

registry.category("web_tour.tours").add("dental_documents_tour", {
    steps: () => [
        {
            content: "The visit is done",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
        {
            trigger: ".o_form_view button[name=action_new_prescription]",
            run: catchReportDownloads,
        },
        {
            content: "Click 1: a prescription for this visit",
            trigger: ".o_form_view button[name=action_new_prescription]",
            run: "click",
        },
        {
            content: "Click 2: a first medicine",
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_selected_row .o_field_widget[name=medicine_id] input",
            run: "edit Amoxicilina",
        },
        {
            content: "Click 3: from the catalogue",
            trigger: ".o-autocomplete--dropdown-item:contains('Amoxicilina')",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_selected_row .o_field_widget[name=name] input:value('Amoxicilina')",
        },
        {
            content: "Click 4: a second medicine",
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_selected_row .o_field_widget[name=medicine_id] input",
            run: "edit Ibuprofeno",
        },
        {
            content: "Click 5: from the catalogue",
            trigger: ".o-autocomplete--dropdown-item:contains('Ibuprofeno')",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=line_ids] .o_selected_row .o_field_widget[name=name] input:value('Ibuprofeno')",
        },
        {
            content: "Click 6: sign and print",
            trigger: ".o_form_view button[name=action_sign_and_print]",
            run: "click",
        },
        {
            content: "The prescription's PDF was asked for, and it is signed",
            trigger: "body[data-dental-reports*='/report/pdf/dental_clinic.report_prescription_a5/']",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Signed')",
        },
        {
            content: "Click 7: back to the visit",
            trigger: ".o_breadcrumb .breadcrumb-item:not(.active) a:contains('Paciente Receita')",
            run: "click",
        },
        {
            content: "Click 8: a certificate for this visit",
            trigger: ".o_form_view button[name=action_new_certificate]",
            run: "click",
        },
        {
            content: "Two days off",
            trigger: ".o_form_view .o_field_widget[name=leave_days] input",
            run: "edit 2",
        },
        {
            content: "Click 9: sign and print",
            trigger: ".o_form_view button[name=action_sign_and_print]",
            run: "click",
        },
        {
            content: "The certificate's PDF was asked for",
            trigger: "body[data-dental-reports*='/report/pdf/dental_clinic.report_certificate/']",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Signed')",
        },
    ],
});
