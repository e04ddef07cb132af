/** @odoo-module */

import { registry } from "@web/core/registry";

// The manager opens their dashboard and follows this month's visits to the list behind the figure.
registry.category("web_tour.tours").add("dental_dashboard_manager_tour", {
    steps: () => [
        {
            content: "The dashboard compares this month with last month",
            trigger: ".o_dental_dashboard_manager tr[data-figure='visits']",
        },
        {
            content: "Open the visits of this month",
            trigger: ".o_dental_figure_current_visits",
            run: "click",
        },
        {
            content: "The list of the visits shows the patient",
            trigger: ".o_list_view .o_data_row:contains(Paciente Painel)",
        },
        {
            content: "Only the visit of this month is listed",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(Paciente Antigo)))",
        },
    ],
});
