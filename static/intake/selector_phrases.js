'use strict';
// Replaces the texts Django's SelectFilter2.js builds from a field's plural name ("Available %s") with
// whole phrases from data-selector-phrases (intake/admin_titles.py), so languages with cases read right.
// Registered after SelectFilter2.js (the widget's Media order), so its 'load' listener runs after the build.
window.addEventListener('load', function() {
    document.querySelectorAll('select[data-selector-phrases]').forEach(function(select) {
        const fieldId = select.id.replace(/_from$/, '');
        const phrases = JSON.parse(select.dataset.selectorPhrases);
        const set = function(selector, key, attribute) {
            const element = document.querySelector(selector);
            if (!element || !phrases[key]) {
                return;
            }
            if (attribute) {
                element.setAttribute(attribute, phrases[key]);
            } else {
                element.textContent = phrases[key] + (element.tagName === 'LABEL' ? ' ' : '');
            }
        };
        const id = '#' + CSS.escape(fieldId);
        set(id + '_from_title label', 'available');
        set(id + '_from_title p.helptext', 'choose_help');
        set(id + '_filter .search-label-icon', 'filter_available', 'aria-label');
        set(id + '_add_all', 'choose_all');
        set(id + '_add', 'choose_selected');
        set(id + '_remove', 'remove_selected');
        set(id + '_to_title label', 'chosen');
        set(id + '_to_title p.helptext', 'remove_help');
        set(id + '_filter_selected .search-label-icon', 'filter_chosen', 'aria-label');
        set(id + '_remove_all', 'remove_all');
    });
});
